import { join } from 'node:path';
import { Page } from 'playwright-core';
import { watchErrors } from '../../support/chromium';
import {
  ARTIFACTS,
  demoSuite,
  expectText,
  holdSeat,
  itemReservationId,
  login,
  myOrder,
  orderId,
  waitForOrder,
  waitForSeat,
} from '../../support/demo-page';
import { sendPgEvent } from '../../support/signed-webhook';

/** The demo page in Chromium with the pg-ready provider: a payment waits for the PG's signed webhook. */

/** The cart's total in KRW, as the page shows it ("110,000 KRW"). */
const orderTotal = async (page: Page) =>
  Number(((await page.getByTestId('order-total').textContent()) ?? '').replace(/\D/g, ''));
jest.setTimeout(90_000);

describe('demo checkout page in Chromium (pg-ready provider)', () => {
  const demo = demoSuite({ PAYMENT_PROVIDER: 'pg-ready', HOLD_TTL_SECONDS: '60' });

  /** The demo fan logs in (socket live), holds `seat` and pays: pg-ready leaves the payment PENDING. */
  async function payPendingAfterLogin(page: Page, seat: string): Promise<void> {
    await login(page, demo.t.url);
    await expectText(page, 'connection', 'live (socket.io)');
    await holdSeat(page, seat);
    await expectText(page, 'order-status', /^HOLD$/);
    await page.getByTestId('pay').click();
    await expectText(page, 'payment-status', 'payment PENDING');
  }

  it('shows "waiting for the PG webhook" with the helper command, then CONFIRMED when the webhook lands', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await payPendingAfterLogin(page, 'B-1');
    await expectText(page, 'message', 'waiting for the PG webhook');
    // The order's attempt, named by its seat's reservation (the webhook takes either), for the seat's
    // zone price (the demo concert's row B is zone R).
    const id = await itemReservationId(page, 'B-1');
    const amount = await orderTotal(page);
    expect(amount).toBe(110000);
    const hint = await expectText(page, 'webhook-hint', 'npm run pg:webhook');
    expect(hint).toContain(`--reservation ${id} --status APPROVED --amount ${amount}`);
    expect(await page.getByTestId('pay').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-pg-waiting.png'), fullPage: true });

    await sendPgEvent(demo.t, { status: 'APPROVED', reservationId: id, amount }).expect(202);
    await expectText(page, 'order-status', /^CONFIRMED$/);
    expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('push');
    await waitForSeat(page, 'B-1', 'RESERVED');
    expect(errors).toEqual([]);
  });

  it('a reload in the middle of a payment brings its checkout back; the webhook then confirms it by push', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await payPendingAfterLogin(page, 'B-2');
    const id = await orderId(page);

    await page.reload();
    // The session and the payment under way are back, without the login form.
    await expectText(page, 'order-status', /^PAYING$/);
    expect(await page.getByTestId('order-id').textContent()).toBe(`#${id}`);
    await expectText(page, 'payment-status', 'payment PENDING');
    await expectText(page, 'message', 'waiting for the PG webhook');
    expect(await page.getByTestId('login-panel').isHidden()).toBe(true);
    await waitForOrder(page, id, 'PAYING');
    expect(await myOrder(page, id).getByTestId('order-cancel').isVisible()).toBe(true);
    await expectText(page, 'connection', 'live (socket.io)');

    const item = await itemReservationId(page, 'B-2');
    await sendPgEvent(demo.t, {
      status: 'APPROVED',
      reservationId: item,
      amount: await orderTotal(page),
    }).expect(202);
    await expectText(page, 'order-status', /^CONFIRMED$/);
    expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('push');
    await waitForOrder(page, id, 'CONFIRMED');
    await waitForSeat(page, 'B-2', 'RESERVED');
    expect(errors).toEqual([]);
  });
});
