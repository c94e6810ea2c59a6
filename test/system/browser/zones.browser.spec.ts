import { join } from 'node:path';
import { Page } from 'playwright-core';
import { ExpectedFailure, watchErrors } from '../../support/chromium';
import {
  ARTIFACTS,
  demoSuite,
  expectText,
  holdSeat,
  login,
  pickConcert,
  signup,
  UI_TIMEOUT,
  waitForSeat,
} from '../../support/demo-page';
import { bearer, createOption, FIXTURE_PASSWORD } from '../../support/factories';

/**
 * Price zones in a real browser: the admin console's zone editor (its preview, a refused layout, a saved
 * one) and the demo page's seat map coloured by zone, with the legend of prices and the zone price on the
 * hold. Chromium as in the other browser specs.
 */
jest.setTimeout(120_000);

const CATEGORIES_PATH = /^\/api\/admin\/concerts\/options\/\d+\/categories$/;

/**
 * A computed style of the element with this test id (from the CSSOM rule, not an inline style). The
 * function runs in the page: this project's TypeScript has no DOM types, hence the window parameter.
 */
const computed = (page: Page, testId: string, property: string) =>
  page.getByTestId(testId).evaluate(
    (el, p) =>
      (
        globalThis as unknown as {
          getComputedStyle: (e: unknown) => { getPropertyValue: (n: string) => string };
        }
      )
        .getComputedStyle(el)
        .getPropertyValue(p),
    property,
  );

/** The page's width: no wider than the screen means no horizontal scroll. */
const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

async function openZones(page: Page, baseUrl: string, username: string, concertId: number): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(FIXTURE_PASSWORD);
  await page.getByTestId('login').click();
  await page.getByTestId('console').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await page.getByTestId('nav-zones').click();
  await page.getByTestId('zn-concert').selectOption(String(concertId));
  await page.getByTestId('zn-map').waitFor({ timeout: UI_TIMEOUT });
}

/** Fills zone `i` of the editor (adding it first). */
async function addZone(
  page: Page,
  i: number,
  zone: { name: string; price: number; color: string; rows?: string; seats?: string },
): Promise<void> {
  await page.getByTestId('zn-add').click();
  await page.getByTestId(`zn-name-${i}`).fill(zone.name);
  await page.getByTestId(`zn-price-${i}`).fill(String(zone.price));
  await page.getByTestId(`zn-color-${i}`).fill(zone.color);
  if (zone.rows) await page.getByTestId(`zn-rows-${i}`).fill(zone.rows);
  if (zone.seats) await page.getByTestId(`zn-seats-${i}`).fill(zone.seats);
}

describe('price zones in Chromium: the console’s editor and the demo page’s map', () => {
  const demo = demoSuite({});

  it('the editor previews the layout as typed, a refused layout changes nothing, a saved one colours the fans’ map', async () => {
    const show = await createOption(demo.t, demo.admin, { seatCount: 40, price: 50000 });
    const categories = () =>
      demo.t.http().get(`/api/concerts/options/${show.optionId}/categories`).expect(200);
    const admin = await demo.newPage({ width: 1280, height: 1000 });
    const refused: ExpectedFailure = { status: 400, method: 'PUT', path: CATEGORIES_PATH };
    const adminErrors = watchErrors(admin, [refused]);
    await openZones(admin, demo.t.url, demo.admin.username, show.concertId);
    expect(await expectText(admin, 'zn-empty', 'No zones')).toContain('show’s price');

    await addZone(admin, 0, { name: 'VIP', price: 150000, color: '#d81b60', rows: 'a' });
    await addZone(admin, 1, { name: 'R', price: 120000, color: '#1e88e5', seats: 'B-1, B-2, B-3, A-4' });
    // The preview follows the typing: row A is VIP, B-1..B-3 are R, and A-4 is named twice.
    expect(await admin.getByTestId('zn-seat-A-1').getAttribute('data-zone')).toBe('VIP');
    expect(await admin.getByTestId('zn-seat-B-2').getAttribute('data-zone')).toBe('R');
    expect(await admin.getByTestId('zn-seat-B-4').getAttribute('data-zone')).toBe('');
    expect(await admin.getByTestId('zn-seat-A-4').getAttribute('class')).toContain('conflict');
    expect(await expectText(admin, 'zn-problems', 'named twice')).toBe('Would be refused: named twice: A-4.');
    expect(await computed(admin, 'zn-seat-A-1', 'background-color')).toBe('rgb(216, 27, 96)');
    expect(await admin.getByTestId('zn-legend-0').textContent()).toBe('VIP · 150,000 KRW · 19 seats');
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-zones-conflict.png'), fullPage: true });

    // Saved anyway: the server refuses it whole, and nothing changed.
    await admin.getByTestId('zn-save').click();
    expect(await expectText(admin, 'zn-error', 'VALIDATION_FAILED')).toMatch(
      /^Could not save the zones \(nothing changed\): /,
    );
    expect((await categories()).body).toEqual([]);

    await admin.getByTestId('zn-seats-1').fill('B-1 B-2 B-3');
    await admin.getByTestId('zn-problems').waitFor({ state: 'detached', timeout: UI_TIMEOUT });
    await admin.getByTestId('zn-save').click();
    expect(await expectText(admin, 'zn-result', 'Saved 2 zones')).toBe(
      'Saved 2 zones: VIP 150,000 KRW (20 seats), R 120,000 KRW (3 seats).',
    );
    const saved = (await categories()).body as {
      name: string;
      priceAmount: number;
      color: string;
      seatCount: number;
    }[];
    expect(saved.map((c) => [c.name, c.priceAmount, c.color, c.seatCount])).toEqual([
      ['VIP', 150000, '#d81b60', 20],
      ['R', 120000, '#1e88e5', 3],
    ]);
    // The editor shows what the server kept: a whole row as a row, single seats as seat numbers.
    expect(await admin.getByTestId('zn-rows-0').inputValue()).toBe('A');
    expect(await admin.getByTestId('zn-seats-1').inputValue()).toBe('B-1, B-2, B-3');
    // The concerts panel prices the show by its zones now: from the show's own price to VIP's.
    await admin.getByTestId('nav-concerts').click();
    expect(await expectText(admin, `option-${show.optionId}-price`, '150,000')).toBe('50,000 – 150,000 KRW');
    await admin.getByTestId('nav-zones').click();
    // On a phone the editor and its preview fit the screen (the map scrolls inside its box).
    await admin.setViewportSize({ width: 390, height: 844 });
    expect(await pageWidth(admin)).toBeLessThanOrEqual(390);
    await admin.screenshot({ path: join(ARTIFACTS, 'admin-390-zones.png'), fullPage: true });
    expect(adminErrors).toEqual([]);

    // The fan's map: coloured by zone, a legend of prices that follows the holds, the zone price on the hold.
    const fan = await demo.newPage();
    const fanErrors = watchErrors(fan);
    await login(fan, demo.t.url, await signup(demo.t, 'zone_fan'));
    await expectText(fan, 'connection', 'live (socket.io)');
    await pickConcert(fan, show.concertId);
    const legend = fan.getByTestId('zone-legend');
    // The show's own zone, not VIP: the demo concert, shown before the pick lands, has a VIP zone too.
    await legend.filter({ hasText: 'R 120,000 KRW' }).waitFor({ timeout: UI_TIMEOUT });
    expect(await legend.locator('li').allTextContents()).toEqual([
      'VIP 150,000 KRW · 20 free',
      'R 120,000 KRW · 3 free',
      'Other seats 50,000 KRW · 17 free',
    ]);
    expect(await fan.getByTestId('seat-A-1').getAttribute('data-zone')).toBe('VIP');
    expect(await fan.getByTestId('seat-A-1').getAttribute('title')).toBe('A-1 · VIP 150,000 KRW');
    expect(await computed(fan, 'seat-A-1', 'background-color')).toBe('rgb(216, 27, 96)');
    expect(await computed(fan, 'seat-B-1', 'background-color')).toBe('rgb(30, 136, 229)');
    expect(await fan.getByTestId('seat-B-4').getAttribute('data-zone')).toBeNull();
    // The show's label gives its price range.
    expect(await fan.getByTestId('option').locator(`option[value="${show.optionId}"]`).textContent()).toMatch(
      / · 50,000–150,000 KRW · 40 free$/,
    );

    await holdSeat(fan, 'A-1');
    await expectText(fan, 'order-status', /^HOLD$/);
    expect(await fan.getByTestId('cart-item-A-1').textContent()).toBe('A-1 · VIP · 150,000 KRW · HOLD');
    expect(await fan.getByTestId('order-total').textContent()).toBe('150,000 KRW');
    await waitForSeat(fan, 'A-1', 'TEMP_RESERVED');
    await legend.locator('li').first().filter({ hasText: '19 free' }).waitFor({ timeout: UI_TIMEOUT });
    await fan.screenshot({ path: join(ARTIFACTS, 'demo-zones.png'), fullPage: true });

    // A later price change moves neither the hold's amount nor its cart.
    await demo.t
      .http()
      .put(`/api/admin/concerts/options/${show.optionId}/categories`)
      .set(bearer(demo.admin))
      .send({ categories: [{ name: 'VIP', priceAmount: 999000, rows: ['A'] }] })
      .expect(200);
    await fan.reload();
    await expectText(fan, 'order-status', /^HOLD$/);
    expect(await fan.getByTestId('order-total').textContent()).toBe('150,000 KRW');
    expect(fanErrors).toEqual([]);
  });
});
