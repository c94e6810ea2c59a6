import { join } from 'node:path';
import { Page } from 'playwright-core';
import { watchErrors } from '../../support/chromium';
import {
  ARTIFACTS,
  demoSuite,
  expectText,
  login,
  myOrder,
  orderId,
  pickConcert,
  signup,
  UI_TIMEOUT,
  waitForOrder,
  waitForPick,
  waitForSeat,
} from '../../support/demo-page';
import { bearer, createOption, FIXTURE_PASSWORD, TestOption } from '../../support/factories';
import { TestApp } from '../../support/test-app';

/**
 * Orders in a real browser: on the demo page several picks held as one order with one countdown and one
 * payment, the best seats of a zone, a refund of one seat from "My orders"; on the admin console the
 * order search and an order's case file with a refund per seat and per order. Chromium as in the other
 * browser specs; the mock provider approves.
 */
jest.setTimeout(120_000);

/** The seats of order `id` as the server has them: seat number → item status. */
async function itemStatuses(t: TestApp, id: number): Promise<Record<string, string>> {
  const rows = (await t.dataSource.query(
    `SELECT s.seat_number AS seat, r.status FROM reservations r JOIN seats s ON s.id = r.seat_id
      WHERE r.order_id = $1 ORDER BY s.id`,
    [id],
  )) as { seat: string; status: string }[];
  return Object.fromEntries(rows.map((r) => [r.seat, r.status]));
}

const pick = async (page: Page, seat: string) => {
  await page.getByTestId(`seat-${seat}`).click();
  await waitForPick(page, seat);
};

describe('orders in Chromium: the demo page’s cart and My orders, the console’s order case file', () => {
  const demo = demoSuite({ HOLD_TTL_SECONDS: '120' });
  let show: TestOption;

  beforeAll(async () => {
    show = await createOption(demo.t, demo.admin, { seatCount: 80, price: 50000 });
    await demo.t
      .http()
      .put(`/api/admin/concerts/options/${show.optionId}/categories`)
      .set(bearer(demo.admin))
      .send({ categories: [{ name: 'R', priceAmount: 80000, color: '#1e88e5', rows: ['B'] }] })
      .expect(200);
  });

  it('three picks make one order: one countdown, one payment; My orders refunds one seat, the others keep theirs', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await login(page, demo.t.url, await signup(demo.t, 'cart_fan'));
    await expectText(page, 'connection', 'live (socket.io)');
    await pickConcert(page, show.concertId);
    await page.getByTestId('seat-A-1').waitFor({ timeout: UI_TIMEOUT });

    for (const seat of ['A-1', 'A-2', 'B-1']) await pick(page, seat);
    expect(await expectText(page, 'selection-text', 'are selected')).toMatch(
      /^Seats A-1, A-2, B-1 are selected by you until \d\d:\d\d:\d\d \(\d+ s\) · 180,000 KRW — /,
    );
    await page.getByTestId('hold').click();
    await expectText(page, 'order-status', /^HOLD$/);
    const id = await orderId(page);
    expect(await page.getByTestId('order-seats').textContent()).toBe('A-1, A-2, B-1');
    expect(await page.getByTestId('order-total').textContent()).toBe('180,000 KRW');
    expect(await page.getByTestId('cart-item-B-1').textContent()).toBe('B-1 · R · 80,000 KRW · HOLD');
    // One countdown for the order; the picks are gone, the seats are the fan's.
    await expectText(page, 'countdown', /^Hold expires in [12]:\d\d$/);
    expect(await page.getByTestId('selection').isHidden()).toBe(true);
    for (const seat of ['A-1', 'A-2', 'B-1']) await waitForSeat(page, seat, 'TEMP_RESERVED');

    await page.getByTestId('pay').click();
    await expectText(page, 'order-status', /^CONFIRMED$/);
    expect(await expectText(page, 'message', 'CONFIRMED')).toBe('CONFIRMED — your tickets are booked.');
    await waitForOrder(page, id, 'CONFIRMED');
    const row = myOrder(page, id);
    expect(await row.getByTestId('order-refund').textContent()).toBe('Refund all');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-order-paid.png'), fullPage: true });

    // A refund of seat B-1 alone: it returns its own 80,000; stay paid.
    await row
      .locator('[data-testid^="item-"]')
      .filter({ hasText: 'seat B-1' })
      .getByTestId('item-refund')
      .click();
    await waitForOrder(page, id, 'PARTIALLY_REFUNDED');
    expect(await expectText(page, 'tickets-message', 'refunded')).toBe(
      `Order #${id}: seat B-1 refunded (80,000 KRW).`,
    );
    expect(await row.locator('span').first().textContent()).toContain('180,000 KRW (80,000 KRW refunded)');
    expect(await row.getByTestId('item-refund').count()).toBe(2);
    await waitForSeat(page, 'B-1', 'AVAILABLE');
    expect(await itemStatuses(demo.t, id)).toEqual({
      'A-1': 'CONFIRMED',
      'A-2': 'CONFIRMED',
      'B-1': 'REFUNDED',
    });
    await expectText(page, 'order-status', /^PARTIALLY_REFUNDED$/);
    expect(errors).toEqual([]);
  });

  it('at most four picks; "best 2 in R" holds two seats side by side in row B, the server’s choice', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await login(page, demo.t.url, await signup(demo.t, 'best_fan'));
    await expectText(page, 'connection', 'live (socket.io)');
    await pickConcert(page, show.concertId);
    await page.getByTestId('seat-C-1').waitFor({ timeout: UI_TIMEOUT });

    for (const seat of ['C-1', 'C-2', 'C-3', 'C-4']) await pick(page, seat);
    await page.getByTestId('seat-C-5').click();
    expect(await expectText(page, 'seat-message', 'At most')).toBe(
      'At most 4 seats in one order — hold these, or let one go first.',
    );
    expect(await page.getByTestId('seat-C-5').getAttribute('data-selection')).toBeNull();

    // Asking for the best seats lets the picks go first; the server picks in zone R (row B) only.
    await page.getByTestId('best-quantity').selectOption('2');
    await page.getByTestId('best-zone').selectOption({ label: 'R · 80,000 KRW' });
    await page.getByTestId('best-hold').click();
    await expectText(page, 'order-status', /^HOLD$/);
    const seats = ((await page.getByTestId('order-seats').textContent()) ?? '').split(', ');
    expect(seats).toHaveLength(2);
    expect(seats.every((s) => s.startsWith('B-'))).toBe(true);
    expect(Math.abs(Number(seats[0].slice(2)) - Number(seats[1].slice(2)))).toBe(1);
    expect(await expectText(page, 'seat-message', 'Side by side')).toBe(`Side by side: ${seats.join(', ')}.`);
    expect(await page.getByTestId('order-total').textContent()).toBe('160,000 KRW');
    for (const seat of ['C-1', 'C-2', 'C-3', 'C-4']) await waitForSeat(page, seat, 'AVAILABLE');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-best-seats.png'), fullPage: true });
    await page.getByTestId('cancel').click();
    await expectText(page, 'order-status', /^CANCELLED$/);
    expect(errors).toEqual([]);
  });

  it('the console finds the order, shows its seats, ledger and audit, refunds one seat then the rest', async () => {
    // A fan's paid order of two seats, through the API.
    const fan = await signup(demo.t, 'console_fan');
    const loginAnswer = await demo.t.http().post('/api/auth/login').send(fan).expect(200);
    const auth = { Authorization: `Bearer ${loginAnswer.body.accessToken as string}` };
    const seatMap = (await demo.t.http().get(`/api/concerts/options/${show.optionId}/seat-map`).expect(200))
      .body as { id: number; seatNumber: string }[];
    const seatIds = ['D-1', 'D-2'].map((n) => seatMap.find((s) => s.seatNumber === n)!.id);
    const order = await demo.t
      .http()
      .post('/api/orders')
      .set(auth)
      .send({ optionId: show.optionId, seatIds })
      .expect(201);
    const id = order.body.id as number;
    await demo.t.http().post(`/api/orders/${id}/paying`).set(auth).expect(200);
    expect(
      (await demo.t.http().post(`/api/orders/${id}/confirm`).set(auth).send({}).expect(200)).body.status,
    ).toBe('CONFIRMED');

    const page = await demo.newPage({ width: 1280, height: 1000 });
    const errors = watchErrors(page);
    await page.goto(`${demo.t.url}/admin#orders`);
    await page.getByTestId('username').fill(demo.admin.username);
    await page.getByTestId('password').fill(FIXTURE_PASSWORD);
    await page.getByTestId('login').click();
    await page.getByTestId('os-form').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.getByTestId('os-user-id').fill(String(loginAnswer.body.user.id));
    await page.getByTestId('os-search').click();
    await page.getByTestId(`order-row-${id}`).waitFor({ timeout: UI_TIMEOUT });
    await page.getByTestId(`open-order-${id}`).click();
    await expectText(page, 'of-title', `Order #${id}`);
    await page.getByTestId('of-payments').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('of-status').textContent()).toBe('CONFIRMED');
    expect(await page.getByTestId('of-payments').locator('tbody tr').count()).toBe(1);

    // One seat, with a reason and the confirmation naming the amount and the fan.
    await page.getByTestId('of-tick-D-2').check();
    await page.getByTestId('of-reason').fill('Seat D-2 has a broken chair');
    await page.getByTestId('of-refund-selected').click();
    expect(await page.getByTestId('of-confirm-text').textContent()).toMatch(
      new RegExp(`^Refund 50,000 KRW to console_fan \\(#\\d+\\) for seats D-2 of order #${id}\\?`),
    );
    await page.getByTestId('of-confirm').click();
    expect(await expectText(page, 'of-result', 'Refunded')).toBe(
      `Refunded: order #${id} is PARTIALLY_REFUNDED (50,000 KRW refunded in all).`,
    );
    await expectText(page, 'of-status', /^PARTIALLY_REFUNDED$/);
    await page.getByTestId('of-audit').locator('tbody tr').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('of-audit').locator('tbody tr').count()).toBe(1);
    expect(await page.getByTestId('of-audit').textContent()).toContain('Seat D-2 has a broken chair');
    expect(await page.getByTestId('of-payments').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId(`order-row-${id}`).textContent()).toContain('PARTIALLY_REFUNDED');

    // Then the whole order: only D-1 is left to refund.
    await page.getByTestId('of-reason').fill('Show moved to a smaller hall');
    await page.getByTestId('of-refund-all').click();
    expect(await page.getByTestId('of-confirm-text').textContent()).toContain('every paid seat of D-1');
    await page.getByTestId('of-confirm').click();
    await expectText(page, 'of-status', /^REFUNDED$/);
    await page.getByTestId('of-audit').locator('tbody tr').nth(1).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('of-refund-all').isDisabled()).toBe(true);
    expect(await itemStatuses(demo.t, id)).toEqual({ 'D-1': 'REFUNDED', 'D-2': 'REFUNDED' });
    await page.screenshot({ path: join(ARTIFACTS, 'admin-order-case-file.png'), fullPage: true });
    // On a phone the case file fits the screen (tables become one card per row).
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-390-order-case-file.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
