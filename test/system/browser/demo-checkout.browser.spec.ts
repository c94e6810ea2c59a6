import { join } from 'node:path';
import { Page, Request } from 'playwright-core';
import { ExpectedFailure, watchErrors } from '../../support/chromium';
import { checkout } from '../../support/checkout';
import {
  ARTIFACTS,
  demoSuite,
  expectText,
  holdSeat,
  HOLD_TTL_SECONDS,
  LOCK_PATH,
  login,
  myOrder,
  orderId,
  pickConcert,
  signup,
  UI_TIMEOUT,
  waitForLiveSeatMap,
  waitForOrder,
  waitForPick,
  waitForSeat,
  watchFailures,
} from '../../support/demo-page';
import { createOption, createUser, TestUser } from '../../support/factories';
import { TestApp } from '../../support/test-app';
import { until } from '../../support/wait';

/**
 * The demo page at / in a real browser, with the mock provider: Debian's Chromium (`apt-get install
 * chromium`, done by .ci/run) driven by playwright-core. A missing or broken Chromium fails these tests:
 * the page is the project's first impression, so it is never silently skipped. The waiting room and the
 * pg-ready provider have specs of their own beside this one.
 */

/** HOLD_EXPIRING is pushed this long before the deadline: 2 s after the hold. */
const HOLD_EXPIRY_WARNING_SECONDS = 4;
/** Far longer than any UI wait: a seat that turns AVAILABLE within one was released, it did not run out. */
const SEAT_LOCK_TTL_SECONDS = 60;

jest.setTimeout(90_000);

const seatStatus = (page: Page, seat: string) => page.getByTestId(`seat-${seat}`).getAttribute('data-status');

/** GET /api/orders/{id} requests a page made (polling), as paths. */
function watchOrderReads(page: Page): string[] {
  const reads: string[] = [];
  page.on('request', (req: Request) => {
    const path = new URL(req.url()).pathname;
    if (req.method() === 'GET' && /^\/api\/orders\/\d+$/.test(path)) reads.push(path);
  });
  return reads;
}

/** GET …/seat-map requests a page made, to tell a pushed change from a re-read. */
function watchSeatMapReads(page: Page): string[] {
  const reads: string[] = [];
  page.on('request', (req: Request) => {
    const path = new URL(req.url()).pathname;
    if (req.method() === 'GET' && path.endsWith('/seat-map')) reads.push(path);
  });
  return reads;
}

/** Waits for a response of the page to `path` (pathname, query ignored). */
const responseTo = (page: Page, path: string) =>
  page.waitForResponse((res) => new URL(res.url()).pathname === path, { timeout: UI_TIMEOUT });

/** Waits until the seat map shows the show that has this seat (after picking another concert). */
async function waitForShow(page: Page, seatId: number): Promise<void> {
  await page.locator(`[data-seat-id="${seatId}"]`).waitFor({ state: 'attached', timeout: UI_TIMEOUT });
}

/** The "N free" label of a show in the page's list (an <option>, so matched as attached, not visible). */
async function waitForShowLabel(page: Page, optionId: number, label: string | RegExp): Promise<string> {
  const option = page.getByTestId('option').locator(`option[value="${optionId}"]`);
  await option.filter({ hasText: label }).waitFor({ state: 'attached', timeout: UI_TIMEOUT });
  return (await option.textContent()) ?? '';
}

/** A phone's screen. */
const PHONE = { width: 390, height: 844 };

/** The page's width: no wider than the phone's screen means no horizontal scroll. */
const pageWidth = (page: Page) => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

/** The tab's sessionStorage and the origin's localStorage, as the page sees them. */
const storage = (page: Page) =>
  page.evaluate('({ session: { ...sessionStorage }, local: { ...localStorage } })') as Promise<{
    session: Record<string, string>;
    local: Record<string, string>;
  }>;

const REFRESH_PATH = '/api/auth/token/refresh';
const REFUND_PATH = /^\/api\/orders\/\d+\/refund$/;
/** The list behind "My orders". */
const MY_ORDERS_PATH = '/api/orders/me';

/** The order of a reservation made through the v7 API (an order of one). */
async function orderOf(t: TestApp, fan: TestUser, id: number): Promise<number> {
  return (await checkout(t, fan).get(id).expect(200)).body.orderId as number;
}

describe('demo checkout page in Chromium (mock provider)', () => {
  const demo = demoSuite({
    HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
    HOLD_EXPIRY_WARNING_SECONDS: String(HOLD_EXPIRY_WARNING_SECONDS),
    SEAT_LOCK_TTL_SECONDS: String(SEAT_LOCK_TTL_SECONDS),
  });

  it('serves the page under the CSP with no inline script, and socket.io serves its client', async () => {
    const page = await demo.t.http().get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const script of ['/app.js', '/queue.js']) {
      await demo.t
        .http()
        .get(script)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
    await demo.t.http().get('/style.css').expect(200).expect('Content-Type', /css/);
    await demo.t.http().get('/socket.io/socket.io.js').expect(200);
    // The API's own 404 is unchanged by the static files.
    expect((await demo.t.http().get('/no-such-page.html').expect(404)).body.errorCode).toBe('NOT_FOUND');
  });

  it('happy path: log in, watch the seat map live, hold with a countdown, pay, see CONFIRMED', async () => {
    const buyer = await demo.newPage();
    const errors = watchErrors(buyer);
    const websockets: string[] = [];
    buyer.on('websocket', (ws) => websockets.push(ws.url()));
    const observer = await demo.newPage();
    await login(buyer, demo.t.url);
    await login(observer, demo.t.url);
    await expectText(buyer, 'connection', 'live (socket.io)');
    await expectText(observer, 'connection', 'live (socket.io)');
    expect(await expectText(buyer, 'provider', /^mock/)).toContain('CARD_MOCK_SIMULATION');
    expect(await seatStatus(observer, 'A-1')).toBe('AVAILABLE');

    await holdSeat(buyer, 'A-1');
    await expectText(buyer, 'order-status', /^HOLD$/);
    const countdown = await expectText(buyer, 'countdown', /Hold expires in 0:0\d/);
    const secondsLeft = Number(/0:0(\d)/.exec(countdown)![1]);
    expect(secondsLeft).toBeGreaterThan(0);
    expect(secondsLeft).toBeLessThanOrEqual(HOLD_TTL_SECONDS);
    // Another browser sees the hold by push (SEAT_STATUS), without a reload.
    await waitForSeat(observer, 'A-1', 'TEMP_RESERVED');

    await buyer.getByTestId('pay').click();
    await expectText(buyer, 'order-status', /^CONFIRMED$/);
    expect(await expectText(buyer, 'message', 'CONFIRMED')).toContain('ticket is booked');
    expect(await expectText(buyer, 'payment-status', 'payment SUCCESS')).toBe('payment SUCCESS');
    await waitForSeat(observer, 'A-1', 'RESERVED');
    await waitForSeat(buyer, 'A-1', 'RESERVED');
    // Sold, and the fan's own: the map says "yours", also in the fan's other browser (the observer is
    // the same demo fan), which learnt of the ticket by push.
    await buyer.locator('[data-testid="seat-A-1"][data-mine="true"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await buyer.getByTestId('seat-A-1').getAttribute('title')).toBe('Yours: your ticket');
    await observer.locator('[data-testid="seat-A-1"][data-mine="true"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await observer.getByTestId('seat-A-2').getAttribute('data-mine')).toBeNull();
    // The events name the seat as the map does, not by its id.
    expect(await observer.getByTestId('events').textContent()).toContain('SEAT_STATUS: seat A-1 → RESERVED');
    await buyer.screenshot({ path: join(ARTIFACTS, 'demo-confirmed.png'), fullPage: true });
    // socket.io upgraded to a real websocket: the CSP's connect-src 'self' lets the page reach its host.
    expect(websockets.some((u) => u.includes('/socket.io/') && u.includes('transport=websocket'))).toBe(true);

    // The page told the truth: the server has the same order confirmed.
    const id = await orderId(buyer);
    const [row] = (await demo.t.dataSource.query('SELECT status FROM orders WHERE id = $1', [id])) as {
      status: string;
    }[];
    expect(row.status).toBe('CONFIRMED');
    expect(errors).toEqual([]);
  });

  it('a declined payment shows FAILED with its reason; the retry confirms', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await login(page, demo.t.url);
    await expectText(page, 'connection', 'live (socket.io)');
    await holdSeat(page, 'A-4');
    await expectText(page, 'order-status', /^HOLD$/);
    await page.getByTestId('mock-outcome').selectOption('decline');
    await page.getByTestId('pay').click();
    await expectText(page, 'payment-status', 'payment FAILED');
    expect(await expectText(page, 'message', 'Payment FAILED')).toContain('retry');
    expect(await page.getByTestId('order-status').textContent()).toBe('PAYING');
    expect(await page.getByTestId('pay').textContent()).toBe('Retry payment');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-failed.png'), fullPage: true });

    await page.getByTestId('mock-outcome').selectOption('approve');
    await page.getByTestId('pay').click();
    await expectText(page, 'order-status', /^CONFIRMED$/);
    await waitForSeat(page, 'A-4', 'RESERVED');
    expect(errors).toEqual([]);
  });

  it('a hold left alone shows EXPIRED by push, without a reload or a poll', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    const reads = watchOrderReads(page);
    await login(page, demo.t.url);
    await expectText(page, 'connection', 'live (socket.io)');
    await holdSeat(page, 'A-2');
    await expectText(page, 'order-status', /^HOLD$/);

    await expectText(page, 'order-status', /^EXPIRED$/);
    expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('push');
    expect(await expectText(page, 'message', 'EXPIRED')).toContain('seat is free again');
    await waitForSeat(page, 'A-2', 'AVAILABLE');
    expect(reads).toEqual([]);
    expect(await page.getByTestId('connection').getAttribute('data-mode')).toBe('socket');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-expired-push.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('falls back to polling when the socket cannot connect, and still shows EXPIRED', async () => {
    const page = await demo.newPage();
    const reads = watchOrderReads(page);
    // The client script loads, but every socket.io transport request (…/socket.io/?EIO=4…) fails.
    await page.route(
      (url) => url.pathname.startsWith('/socket.io/') && url.searchParams.has('EIO'),
      (route) => route.abort(),
    );
    await login(page, demo.t.url);
    await expectText(page, 'connection', /^polling every 2 s$/);
    await holdSeat(page, 'A-3');
    await expectText(page, 'order-status', /^HOLD$/);

    await expectText(page, 'order-status', /^EXPIRED$/);
    expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('poll');
    expect(reads.length).toBeGreaterThan(0);
    await waitForSeat(page, 'A-3', 'AVAILABLE');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-expired-polling.png'), fullPage: true });
  });

  it('a click picks the seat (SELECTING for others, by push); a second click picks another; a click on a pick lets it go; the hold takes the picks', async () => {
    const fan = await demo.newPage();
    const fanErrors = watchErrors(fan);
    const other = await demo.newPage();
    const otherErrors = watchErrors(other);
    const otherReads = watchSeatMapReads(other);
    await login(fan, demo.t.url);
    await login(other, demo.t.url, await signup(demo.t, 'rival_pick'));
    await expectText(fan, 'connection', 'live (socket.io)');
    await expectText(other, 'connection', 'live (socket.io)');
    await waitForLiveSeatMap(other);
    const readsBefore = otherReads.length;

    await fan.getByTestId('seat-A-5').click();
    await waitForPick(fan, 'A-5');
    expect(await expectText(fan, 'selection-text', 'selected by you')).toMatch(
      /^Seat A-5 is selected by you until \d\d:\d\d:\d\d \(\d+ s\)/,
    );
    await waitForSeat(other, 'A-5', 'SELECTING');
    // Another fan's pick is not theirs to click, and it does not look like their own pick.
    expect(await other.getByTestId('seat-A-5').isDisabled()).toBe(true);
    expect(await other.getByTestId('seat-A-5').getAttribute('data-selection')).toBeNull();

    // A second seat joins the picks (one order holds several).
    await fan.getByTestId('seat-A-6').click();
    await waitForPick(fan, 'A-6');
    await waitForSeat(other, 'A-6', 'SELECTING');
    await expectText(fan, 'selection-text', /^Seats A-5, A-6 are selected by you/);
    expect(await fan.getByTestId('hold').textContent()).toBe('Hold these 2 seats');
    // A click on a pick lets it go.
    await fan.getByTestId('seat-A-5').click();
    await waitForSeat(other, 'A-5', 'AVAILABLE');
    await waitForSeat(fan, 'A-5', 'AVAILABLE');
    expect(await other.getByTestId('seat-A-5').isDisabled()).toBe(false);
    await expectText(fan, 'selection-text', /^Seat A-6 is selected/);
    // All of it arrived by push: the other page never re-read the seat map.
    expect(otherReads.length).toBe(readsBefore);
    await fan.screenshot({ path: join(ARTIFACTS, 'demo-selecting.png'), fullPage: true });

    await fan.getByTestId('hold').click();
    await expectText(fan, 'order-status', /^HOLD$/);
    expect(await fan.getByTestId('order-seats').textContent()).toBe('A-6');
    await fan.getByTestId('selection').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await waitForSeat(other, 'A-6', 'TEMP_RESERVED');
    expect(fanErrors).toEqual([]);
    expect(otherErrors).toEqual([]);
  });

  it('a seat another fan is picking: disabled on a live map; on a stale one the click says "being selected"', async () => {
    const fan = await demo.newPage();
    const fanErrors = watchErrors(fan);
    await login(fan, demo.t.url);
    await expectText(fan, 'connection', 'live (socket.io)');
    const optionId = Number(await fan.getByTestId('option').inputValue());
    const before = (await demo.t.http().get(`/api/concerts/options/${optionId}/seat-map`).expect(200))
      .body as unknown;
    await fan.getByTestId('seat-A-7').click();
    await waitForPick(fan, 'A-7');

    // The rival's page shows the map from before that click, as a page whose push has not arrived yet
    // would; so the seat looks free and the click reaches the server, which refuses it.
    const beingSelected: ExpectedFailure = { status: 409, method: 'POST', path: LOCK_PATH };
    const rival = await demo.newPage();
    const rivalErrors = watchErrors(rival, [beingSelected]);
    const refusals = watchFailures(rival, beingSelected);
    await rival.route('**/seat-map', (route) => route.fulfill({ json: before }));
    await login(rival, demo.t.url, await signup(demo.t, 'rival_stale'));
    await expectText(rival, 'connection', 'live (socket.io)');
    expect(await seatStatus(rival, 'A-7')).toBe('AVAILABLE');
    await rival.getByTestId('seat-A-7').click();
    expect(await expectText(rival, 'seat-message', 'being selected')).toBe(
      'Seat A-7 is being selected by another fan — pick another seat.',
    );
    expect(await rival.getByTestId('seat-A-7').getAttribute('data-selection')).toBeNull();
    expect(await rival.getByTestId('selection').isHidden()).toBe(true);
    expect(refusals).toEqual(['409 SEAT_BEING_SELECTED']);
    await rival.screenshot({ path: join(ARTIFACTS, 'demo-being-selected.png'), fullPage: true });
    // The fan keeps the seat.
    const map = (await demo.t.http().get(`/api/concerts/options/${optionId}/seat-map`).expect(200)).body as {
      seatNumber: string;
      status: string;
    }[];
    expect(map.find((s) => s.seatNumber === 'A-7')?.status).toBe('SELECTING');

    // With the live map, the next pick arrives by push and the seat cannot be clicked.
    await rival.unroute('**/seat-map');
    await fan.getByTestId('seat-A-8').click();
    await waitForSeat(rival, 'A-8', 'SELECTING');
    expect(await rival.getByTestId('seat-A-8').isDisabled()).toBe(true);
    expect(refusals).toHaveLength(1);
    expect(fanErrors).toEqual([]);
    expect(rivalErrors).toEqual([]);
  });

  it('warns by push before the hold runs out, and the warning leaves with the hold', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await login(page, demo.t.url);
    await expectText(page, 'connection', 'live (socket.io)');
    await holdSeat(page, 'A-9');
    await expectText(page, 'order-status', /^HOLD$/);

    // A positive count is only ever shown before the deadline.
    const warning = await expectText(page, 'expiry-warning', /^Your hold expires in [1-9]\d* s/);
    expect(Number(/in (\d+) s/.exec(warning)![1])).toBeLessThanOrEqual(HOLD_EXPIRY_WARNING_SECONDS);
    expect(await page.getByTestId('events').textContent()).toContain('HOLD_EXPIRING');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-expiry-warning.png'), fullPage: true });

    await expectText(page, 'order-status', /^EXPIRED$/);
    await page.getByTestId('expiry-warning').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    expect(errors).toEqual([]);
  });

  it('a refused access token is refreshed once for calls failing together, and the action goes through', async () => {
    const page = await demo.newPage();
    const refused: ExpectedFailure = { status: 401, method: 'POST', path: LOCK_PATH };
    const errors = watchErrors(page, [refused]);
    const unauthenticated = watchFailures(page, refused);
    const refreshes: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === '/api/auth/token/refresh') refreshes.push(req.url());
    });
    const websockets: string[] = [];
    page.on('websocket', (ws) => websockets.push(ws.url()));
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await login(page, demo.t.url);
    const { accessToken } = (await (await loggedIn).json()) as { accessToken: string };
    await expectText(page, 'connection', 'live (socket.io)');

    // JWT_TTL_SECONDS cannot go below 60, so instead of waiting a minute the login's token is made
    // invalid on the way out: the server refuses it with 401 UNAUTHENTICATED, as it does an expired one.
    // The refresh is held back until both clicks below have failed, so that both fail while it is in
    // flight (a wait for that condition, not a fixed delay; bounded, and the assertions below judge).
    await page.route('**/api/**', async (route) => {
      const request = route.request();
      const headers = request.headers();
      if (headers.authorization === `Bearer ${accessToken}`) {
        return route.continue({ headers: { ...headers, authorization: `Bearer ${accessToken}x` } });
      }
      if (new URL(request.url()).pathname === '/api/auth/token/refresh') {
        await until(async () => unauthenticated.length >= 2, UI_TIMEOUT, 'both clicks refused').catch(
          () => undefined,
        );
      }
      return route.continue();
    });
    await page.getByTestId('seat-A-11').click();
    await page.getByTestId('seat-A-12').click();

    // Both clicks go through on their retry, with the one new token: both seats are picked.
    await waitForPick(page, 'A-11');
    await waitForPick(page, 'A-12');
    expect(unauthenticated).toEqual(['401 UNAUTHENTICATED', '401 UNAUTHENTICATED']);
    expect(refreshes).toHaveLength(1);
    await page.getByTestId('hold').click();
    await expectText(page, 'order-status', /^HOLD$/);
    expect(await page.getByTestId('order-seats').textContent()).toBe('A-11, A-12');
    // No login form came back: the page is still the signed-in shop.
    expect(await page.getByTestId('login-panel').count()).toBe(1);
    expect(await page.getByTestId('login-panel').isHidden()).toBe(true);
    expect(await page.getByTestId('shop').isVisible()).toBe(true);
    // The socket was made again with the new token, and is live.
    expect(websockets.length).toBeGreaterThanOrEqual(2);
    await expectText(page, 'connection', 'live (socket.io)');
    expect(await page.getByTestId('events').textContent()).toContain('access token refreshed');
    expect(refreshes).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('a refused refresh brings the login form back, and logging in again works', async () => {
    const page = await demo.newPage();
    const refused: ExpectedFailure = { status: 401, method: 'POST', path: LOCK_PATH };
    const refreshRefused: ExpectedFailure = {
      status: 401,
      method: 'POST',
      path: /^\/api\/auth\/token\/refresh$/,
    };
    const errors = watchErrors(page, [refused, refreshRefused]);
    const refreshFailures = watchFailures(page, refreshRefused);
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await login(page, demo.t.url);
    const session = (await (await loggedIn).json()) as { accessToken: string; refreshToken: string };
    await expectText(page, 'connection', 'live (socket.io)');

    // Someone else spends the page's refresh token first (a stolen copy): the page's own refresh is then
    // a reuse, which revokes the session. The access token is refused as in the test above.
    await demo.t
      .http()
      .post('/api/auth/token/refresh')
      .send({ refreshToken: session.refreshToken })
      .expect(200);
    await page.route('**/api/**', (route) => {
      const headers = route.request().headers();
      if (headers.authorization !== `Bearer ${session.accessToken}`) return route.continue();
      return route.continue({ headers: { ...headers, authorization: `Bearer ${session.accessToken}x` } });
    });
    await page.getByTestId('seat-A-14').click();
    await page.getByTestId('login-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await expectText(page, 'login-error', 'Your session ended')).toContain('log in again');
    expect(await page.getByTestId('shop').isHidden()).toBe(true);
    expect(refreshFailures).toEqual(['401 UNAUTHENTICATED']);

    await page.getByTestId('login').click();
    await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
    await expectText(page, 'connection', 'live (socket.io)');
    await holdSeat(page, 'A-14');
    await expectText(page, 'order-status', /^HOLD$/);
    expect(errors).toEqual([]);
  });

  it('log out lets go of the pick and ends the session on the server', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await login(page, demo.t.url);
    const { accessToken } = (await (await loggedIn).json()) as { accessToken: string };
    await expectText(page, 'connection', 'live (socket.io)');
    await page.getByTestId('seat-A-15').click();
    await waitForPick(page, 'A-15');

    const loggedOut = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/logout');
    await page.getByTestId('logout').click();
    expect((await loggedOut).status()).toBe(204);
    await page.getByTestId('login-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await page.getByTestId('shop').isHidden()).toBe(true);
    expect(await page.getByTestId('connection').getAttribute('data-mode')).toBe('offline');
    await demo.t.http().get('/api/auth/me').set('Authorization', `Bearer ${accessToken}`).expect(401);
    const concertId = (await demo.t.http().get('/api/concerts').expect(200)).body[0].id as number;
    const [option] = (await demo.t.http().get(`/api/concerts/${concertId}/options`).expect(200)).body as {
      id: number;
    }[];
    const map = (await demo.t.http().get(`/api/concerts/options/${option.id}/seat-map`).expect(200)).body as {
      seatNumber: string;
      status: string;
    }[];
    expect(map.find((s) => s.seatNumber === 'A-15')?.status).toBe('AVAILABLE');
    expect(errors).toEqual([]);
  });

  it('leaving the page releases its pick at once', async () => {
    const fan = await demo.newPage();
    const other = await demo.newPage();
    await login(fan, demo.t.url);
    await login(other, demo.t.url, await signup(demo.t, 'rival_leave'));
    await expectText(other, 'connection', 'live (socket.io)');
    await waitForLiveSeatMap(other);
    await fan.getByTestId('seat-A-13').click();
    await waitForPick(fan, 'A-13');
    await waitForSeat(other, 'A-13', 'SELECTING');

    await fan.close();
    // SEAT_LOCK_TTL_SECONDS is far longer than this wait: AVAILABLE now means released, not run out.
    await waitForSeat(other, 'A-13', 'AVAILABLE');
  });

  it('"N free" of the show follows its seat map by push: another fan\'s pick, hold and cancel', async () => {
    const { concertId, optionId, seatIds } = await createOption(demo.t, demo.admin, { seatCount: 10 });
    const fan = await demo.newPage();
    const errors = watchErrors(fan);
    const rival = await demo.newPage();
    await login(fan, demo.t.url, await signup(demo.t, 'count_fan'));
    await login(rival, demo.t.url, await signup(demo.t, 'count_rival'));
    await expectText(fan, 'connection', 'live (socket.io)');
    await expectText(rival, 'connection', 'live (socket.io)');
    await pickConcert(fan, concertId);
    await pickConcert(rival, concertId);
    await waitForShow(fan, seatIds[0]);
    await waitForShow(rival, seatIds[0]);
    expect(await waitForShowLabel(fan, optionId, / · 10 free$/)).toMatch(/ KRW · 10 free$/);

    // A soft lock is not a sale: the seat shows as "being picked" on the map, and so in the label.
    await rival.getByTestId('seat-A-1').click();
    await waitForPick(rival, 'A-1');
    await waitForShowLabel(fan, optionId, / · 9 free · 1 being picked$/);
    await rival.getByTestId('hold').click();
    await expectText(rival, 'order-status', /^HOLD$/);
    await waitForShowLabel(fan, optionId, / · 9 free$/);
    // The fan's own hold counts too (their own map, their own label).
    await holdSeat(fan, 'A-2');
    await expectText(fan, 'order-status', /^HOLD$/);
    await waitForShowLabel(fan, optionId, / · 8 free$/);
    await waitForShowLabel(rival, optionId, / · 8 free$/);
    // The label and the map agree: the same number of free seats.
    expect(await fan.locator('[data-testid^="seat-"][data-status="AVAILABLE"]').count()).toBe(8);
    await rival.getByTestId('cancel').click();
    await expectText(rival, 'order-status', /^CANCELLED$/);
    await waitForShowLabel(fan, optionId, / · 9 free$/);
    expect(await fan.locator('[data-testid^="seat-"][data-status="AVAILABLE"]').count()).toBe(9);
    // The server's count (soft locks counted as free) says the same once no one is picking.
    const [show] = (await demo.t.http().get(`/api/concerts/${concertId}/options`).expect(200)).body as {
      availableSeatCount: number;
    }[];
    expect(show.availableSeatCount).toBe(9);
    expect(errors).toEqual([]);
  });

  it('My orders: newest first; Cancel lets a hold go, Refund refunds a paid seat; pushes keep it current', async () => {
    const { concertId, seatIds } = await createOption(demo.t, demo.admin, { seatCount: 10 });
    const page = await demo.newPage();
    const errors = watchErrors(page);
    const loggedIn = responseTo(page, '/api/auth/login');
    await login(page, demo.t.url, await signup(demo.t, 'tickets_fan'));
    const session = (await (await loggedIn).json()) as { accessToken: string; user: TestUser };
    const fan: TestUser = { ...session.user, token: session.accessToken };
    await expectText(page, 'connection', 'live (socket.io)');
    await page.getByTestId('tickets-empty').waitFor({ timeout: UI_TIMEOUT });
    await pickConcert(page, concertId);
    await waitForShow(page, seatIds[0]);

    await holdSeat(page, 'A-1');
    await expectText(page, 'order-status', /^HOLD$/);
    const paid = await orderId(page);
    await waitForOrder(page, paid, 'HOLD');
    await page.getByTestId('pay').click();
    await expectText(page, 'order-status', /^CONFIRMED$/);
    await waitForOrder(page, paid, 'CONFIRMED');
    expect(await myOrder(page, paid).textContent()).toMatch(
      /^Order #\d+ · .+ · 1 seat · 50,000 KRWCONFIRMEDrefundable until .+seat A-1 · 50,000 KRWCONFIRMEDRefund this seat$/,
    );
    expect(await myOrder(page, paid).getByTestId('order-cancel').count()).toBe(0);

    await page.getByTestId('again').click();
    await holdSeat(page, 'A-2');
    await expectText(page, 'order-status', /^HOLD$/);
    const held = await orderId(page);
    await waitForOrder(page, held, 'HOLD');
    // Newest first.
    expect(await page.getByTestId('ticket-list').locator('> li').first().getAttribute('data-testid')).toBe(
      `order-${held}`,
    );
    expect(await myOrder(page, held).getByTestId('item-refund').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-my-orders.png'), fullPage: true });

    await myOrder(page, held).getByTestId('order-cancel').click();
    await waitForOrder(page, held, 'CANCELLED');
    // The cart of that order says so too, and the seat is free again.
    await expectText(page, 'order-status', /^CANCELLED$/);
    await waitForSeat(page, 'A-2', 'AVAILABLE');

    await myOrder(page, paid).getByTestId('item-refund').click();
    await waitForOrder(page, paid, 'REFUNDED');
    expect(await expectText(page, 'tickets-message', 'refunded')).toBe(
      `Order #${paid}: seat A-1 refunded (50,000 KRW).`,
    );
    await waitForSeat(page, 'A-1', 'AVAILABLE');
    const [row] = (await demo.t.dataSource.query('SELECT status FROM orders WHERE id = $1', [paid])) as {
      status: string;
    }[];
    expect(row.status).toBe('REFUNDED');

    // Bought and refunded in another tab (here: the v7 API, with the page's token): the list follows by push.
    const other = await checkout(demo.t, fan).toPaying(seatIds[2]);
    const otherOrder = await orderOf(demo.t, fan, other);
    await waitForOrder(page, otherOrder, 'PAYING');
    await checkout(demo.t, fan).confirm(other).expect(200);
    await waitForOrder(page, otherOrder, 'CONFIRMED');
    await checkout(demo.t, fan).refund(other).expect(200);
    await waitForOrder(page, otherOrder, 'REFUNDED');
    expect(await page.getByTestId('events').textContent()).toContain(`ORDER_STATUS: #${otherOrder} REFUNDED`);
    expect(errors).toEqual([]);
  });

  it('an order past its refund cutoff offers no refund; a Refund from a list read before it shows REFUND_CUTOFF_PASSED', async () => {
    // The show starts in 2 hours: with the default 24-hour cutoff, refunds closed 22 hours ago.
    const soon = await createOption(demo.t, demo.admin, {
      seatCount: 5,
      concertDate: new Date(Date.now() + 2 * 3600 * 1000),
    });
    const fan = await createUser(demo.t, 'cutoff');
    const credentials = { username: fan.username, password: 'password-123' };
    const reservation = await checkout(demo.t, fan).toPaying(soon.seatIds[0]);
    expect((await checkout(demo.t, fan).confirm(reservation).expect(200)).body.status).toBe('CONFIRMED');
    const id = await orderOf(demo.t, fan, reservation);

    const page = await demo.newPage();
    const errors = watchErrors(page);
    await login(page, demo.t.url, credentials);
    await waitForOrder(page, id, 'CONFIRMED');
    expect(await myOrder(page, id).getByTestId('order-note').textContent()).toMatch(/^no refunds after /);
    expect(await myOrder(page, id).getByTestId('item-refund').count()).toBe(0);

    // A page whose list was read just before the cutoff (or whose clock runs late) still offers the
    // refund: the server refuses it and the page says why.
    const cutoffPassed: ExpectedFailure = { status: 409, method: 'POST', path: REFUND_PATH };
    const stale = await demo.newPage();
    const staleErrors = watchErrors(stale, [cutoffPassed]);
    const refusals = watchFailures(stale, cutoffPassed);
    await stale.route(
      (url) => url.pathname === MY_ORDERS_PATH,
      async (route) => {
        const response = await route.fetch();
        const list = (await response.json()) as { id: number; refundCutoffAt: string }[];
        const later = new Date(Date.now() + 3600 * 1000).toISOString();
        await route.fulfill({
          response,
          json: list.map((r) => (r.id === id ? { ...r, refundCutoffAt: later } : r)),
        });
      },
    );
    await login(stale, demo.t.url, credentials);
    await waitForOrder(stale, id, 'CONFIRMED');
    await myOrder(stale, id).getByTestId('item-refund').click();
    expect(await expectText(stale, 'tickets-message', 'REFUND_CUTOFF_PASSED')).toMatch(
      /^Order #\d+ can no longer be refunded \(REFUND_CUTOFF_PASSED\): /,
    );
    expect(await stale.getByTestId('tickets-message').getAttribute('class')).toBe('error');
    expect(refusals).toEqual(['409 REFUND_CUTOFF_PASSED']);
    expect(await myOrder(stale, id).getAttribute('data-status')).toBe('CONFIRMED');
    expect((await checkout(demo.t, fan).get(reservation).expect(200)).body.status).toBe('CONFIRMED');
    await stale.screenshot({ path: join(ARTIFACTS, 'demo-refund-cutoff.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(staleErrors).toEqual([]);
  });

  it('the login survives a reload: the tab keeps the refresh token only, rotated; logout or a refused token ends it', async () => {
    const page = await demo.newPage();
    const refreshRefused: ExpectedFailure = {
      status: 401,
      method: 'POST',
      path: /^\/api\/auth\/token\/refresh$/,
    };
    const errors = watchErrors(page, [refreshRefused]);
    const refreshes: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname === REFRESH_PATH)
        refreshes.push((JSON.parse(req.postData() ?? '{}') as { refreshToken: string }).refreshToken);
    });
    const user = await signup(demo.t, 'reload_fan');
    const loggedIn = responseTo(page, '/api/auth/login');
    await login(page, demo.t.url, user);
    const loginResponse = await loggedIn;
    // The page's script sent the credentials (fetch, JSON body): the form's own POST never happened.
    expect(loginResponse.request().resourceType()).toBe('fetch');
    expect(loginResponse.request().headers()['content-type']).toBe('application/json');
    expect(page.url()).toBe(`${demo.t.url}/`);
    const session = (await loginResponse.json()) as { accessToken: string; refreshToken: string };
    expect(await storage(page)).toEqual({
      session: { 'checkout-demo.refreshToken': session.refreshToken },
      local: {},
    });

    // The refresh is held back until the test has looked: meanwhile the page says it is restoring the
    // session, and does not ask to log in.
    let releaseRefresh = () => {};
    const refreshReleased = new Promise<void>((resolve) => (releaseRefresh = resolve));
    const isRefresh = (url: URL) => url.pathname === REFRESH_PATH;
    await page.route(isRefresh, async (route) => {
      await refreshReleased;
      await route.continue();
    });
    const refreshed = responseTo(page, REFRESH_PATH);
    await page.reload();
    await page.getByTestId('restoring').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await page.getByTestId('login-panel').isHidden()).toBe(true);
    releaseRefresh();
    const rotated = (await (await refreshed).json()) as { refreshToken: string };
    await page.unroute(isRefresh);
    await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('who').textContent()).toContain(user.username);
    expect(await page.getByTestId('restoring').isHidden()).toBe(true);
    expect(await page.getByTestId('login-panel').isHidden()).toBe(true);
    await page.getByTestId('tickets-empty').waitFor({ timeout: UI_TIMEOUT });
    await expectText(page, 'connection', 'live (socket.io)');
    expect(await page.getByTestId('events').textContent()).toContain('session: restored after a reload');
    expect(refreshes).toEqual([session.refreshToken]);
    // Rotation: the spent token is replaced by the new one.
    expect(rotated.refreshToken).not.toBe(session.refreshToken);
    expect((await storage(page)).session).toEqual({ 'checkout-demo.refreshToken': rotated.refreshToken });

    // Another tab has a sessionStorage of its own: it starts at the login form, asking nothing.
    const tab = await page.context().newPage();
    await tab.goto(`${demo.t.url}/`);
    expect(await tab.getByTestId('login-panel').isVisible()).toBe(true);
    expect((await storage(tab)).session).toEqual({});
    await tab.close();
    expect(refreshes).toHaveLength(1);

    // A copy of the token spent elsewhere first: the page's refresh on reload is a reuse, refused (the
    // server revokes that session); the token is forgotten and the login form is back.
    await demo.t.http().post(REFRESH_PATH).send({ refreshToken: rotated.refreshToken }).expect(200);
    await page.reload();
    await page.getByTestId('login-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await expectText(page, 'login-error', 'session has ended')).toBe(
      'Your session has ended — please log in again.',
    );
    expect(await page.getByTestId('shop').isHidden()).toBe(true);
    expect((await storage(page)).session).toEqual({});
    expect(refreshes).toHaveLength(2);

    // Log in again, then out: the token is forgotten, and a reload shows the form without asking.
    await page.getByTestId('username').fill(user.username);
    await page.getByTestId('password').fill(user.password);
    await page.getByTestId('login').click();
    await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
    expect(Object.keys((await storage(page)).session)).toEqual(['checkout-demo.refreshToken']);
    await page.getByTestId('logout').click();
    await page.getByTestId('login-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect((await storage(page)).session).toEqual({});
    await page.reload();
    expect(await page.getByTestId('login-panel').isVisible()).toBe(true);
    expect(await page.getByTestId('login-error').isHidden()).toBe(true);
    expect(refreshes).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('a reload while the server cannot be reached shows the login form but keeps the token: the next reload restores', async () => {
    const page = await demo.newPage();
    const errors = watchErrors(page);
    const user = await signup(demo.t, 'offline_fan');
    await login(page, demo.t.url, user);
    const kept = (await storage(page)).session;
    expect(Object.keys(kept)).toEqual(['checkout-demo.refreshToken']);

    // The refresh never reaches the server, so the token is not spent: it must not be thrown away.
    const isRefresh = (url: URL) => url.pathname === REFRESH_PATH;
    await page.route(isRefresh, (route) => route.abort('internetdisconnected'));
    await page.reload();
    expect(await expectText(page, 'login-error', 'could not be restored')).toBe(
      'Your session could not be restored (network) — please log in.',
    );
    expect(await page.getByTestId('shop').isHidden()).toBe(true);
    expect(await page.getByTestId('restoring').isHidden()).toBe(true);
    expect((await storage(page)).session).toEqual(kept);

    await page.unroute(isRefresh);
    await page.reload();
    await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('who').textContent()).toContain(user.username);
    expect((await storage(page)).session).not.toEqual(kept);
    // The aborted refresh is this test's doing (Chromium logs it as a failed load).
    expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([]);
  });

  it('at 390 px nothing is wider than the screen; a hold made in one tab can be paid from My orders in another', async () => {
    const { concertId, seatIds } = await createOption(demo.t, demo.admin, { seatCount: 10 });
    const fan = await signup(demo.t, 'phone_fan');
    const first = await demo.newPage(PHONE);
    const errors = watchErrors(first);
    await first.goto(`${demo.t.url}/`);
    expect(await pageWidth(first)).toBeLessThanOrEqual(PHONE.width);
    await login(first, demo.t.url, fan);
    await expectText(first, 'connection', 'live (socket.io)');
    expect(await pageWidth(first)).toBeLessThanOrEqual(PHONE.width);
    await pickConcert(first, concertId);
    await waitForShow(first, seatIds[0]);
    await holdSeat(first, 'A-1');
    await expectText(first, 'order-status', /^HOLD$/);
    const id = await orderId(first);
    await waitForOrder(first, id, 'HOLD');
    expect(await pageWidth(first)).toBeLessThanOrEqual(PHONE.width);
    await first.screenshot({ path: join(ARTIFACTS, 'demo-390-hold.png'), fullPage: true });

    // A second tab has a session of its own (log in again): the hold is in My orders, with Pay.
    const second = await first.context().newPage();
    const secondErrors = watchErrors(second);
    await login(second, demo.t.url, fan);
    await pickConcert(second, concertId);
    await waitForShow(second, seatIds[0]);
    await waitForOrder(second, id, 'HOLD');
    expect(await myOrder(second, id).getByTestId('order-cancel').count()).toBe(1);
    await myOrder(second, id).getByTestId('order-pay').click();
    expect(await expectText(second, 'order-id', `#${id}`)).toBe(`#${id}`);
    await expectText(second, 'order-status', /^HOLD$/);
    // The held seat is the fan's in this tab too.
    await second.locator('[data-testid="seat-A-1"][data-mine="true"]').waitFor({ timeout: UI_TIMEOUT });
    expect(await pageWidth(second)).toBeLessThanOrEqual(PHONE.width);
    await second.getByTestId('pay').click();
    await expectText(second, 'order-status', /^CONFIRMED$/);
    await waitForOrder(second, id, 'CONFIRMED');
    await waitForSeat(second, 'A-1', 'RESERVED');
    expect(await second.getByTestId('seat-A-1').getAttribute('data-mine')).toBe('true');
    // The first tab hears of it by push, and shows the sold seat as the fan's.
    await expectText(first, 'order-status', /^CONFIRMED$/);
    await first.locator('[data-testid="seat-A-1"][data-mine="true"]').waitFor({ timeout: UI_TIMEOUT });
    const [row] = (await demo.t.dataSource.query('SELECT status FROM orders WHERE id = $1', [id])) as {
      status: string;
    }[];
    expect(row.status).toBe('CONFIRMED');
    expect(await pageWidth(second)).toBeLessThanOrEqual(PHONE.width);
    await second.screenshot({ path: join(ARTIFACTS, 'demo-390-paid-in-second-tab.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(secondErrors).toEqual([]);
  });

  it('the presale demo: a BASIC fan sees why its seats are locked; the seeded GOLD fan may pick; a refusal is worded', async () => {
    const concerts = (await demo.t.http().get('/api/concerts').expect(200)).body as {
      id: number;
      title: string;
      saleStatus: string;
    }[];
    const presale = concerts.find((c) => c.title.startsWith('Presale Demo'))!;
    expect(presale.saleStatus).toBe('PRESALE');

    // A BASIC fan: the note says who may buy and until when; the free seats cannot be clicked.
    const basic = await demo.newPage(PHONE);
    const basicErrors = watchErrors(basic);
    await login(basic, demo.t.url);
    await pickConcert(basic, presale.id);
    const note = await expectText(basic, 'sale-note', 'Presale');
    expect(note).toMatch(
      /^Presale: only GOLD fans and above may buy until .+; your tier is BASIC\. General sale from /,
    );
    await basic.locator('[data-testid="seat-A-1"].locked').waitFor({ timeout: UI_TIMEOUT });
    expect(await basic.getByTestId('seat-A-1').isDisabled()).toBe(true);
    expect(await pageWidth(basic)).toBeLessThanOrEqual(PHONE.width);
    await basic.screenshot({ path: join(ARTIFACTS, 'demo-390-presale-basic.png'), fullPage: true });

    // The seeded GOLD fan (gold / gold-password) may pick a seat.
    const gold = await demo.newPage();
    const goldErrors = watchErrors(gold);
    await login(gold, demo.t.url, { username: 'gold', password: 'gold-password' });
    await pickConcert(gold, presale.id);
    expect(await expectText(gold, 'sale-note', 'you may buy now')).toMatch(
      /^Presale for GOLD fans and above/,
    );
    await gold.getByTestId('seat-A-1').click();
    await waitForPick(gold, 'A-1');
    await gold.getByTestId('release').click();
    await waitForSeat(gold, 'A-1', 'AVAILABLE');

    // A fan whose tier fell after the page read it: the server refuses, the page says why in words.
    const tierRequired: ExpectedFailure = { status: 403, method: 'POST', path: LOCK_PATH };
    const fan = await signup(demo.t, 'fallen_gold');
    const [{ id: fanId }] = (await demo.t.dataSource.query('SELECT id FROM users WHERE username = $1', [
      fan.username,
    ])) as { id: number }[];
    const setTier = (tier: string) =>
      demo.t
        .http()
        .put(`/api/admin/users/${fanId}/tier`)
        .set('Authorization', `Bearer ${demo.admin.token}`)
        .send({ tier })
        .expect(200);
    await setTier('GOLD');
    const fallen = await demo.newPage();
    const fallenErrors = watchErrors(fallen, [tierRequired]);
    const refusals = watchFailures(fallen, tierRequired);
    await login(fallen, demo.t.url, fan);
    await pickConcert(fallen, presale.id);
    await expectText(fallen, 'sale-note', 'you may buy now');
    await setTier('BASIC');
    await fallen.getByTestId('seat-A-2').click();
    const message = await expectText(fallen, 'seat-message', 'presale');
    expect(message).toMatch(
      /^Seat A-2 cannot be picked: this show is in its presale, open to GOLD fans and above only until /,
    );
    expect(message).not.toContain('PRESALE_TIER_REQUIRED');
    expect(refusals).toEqual(['403 PRESALE_TIER_REQUIRED']);
    // The page read the fan's tier again: the seats now show as locked.
    await fallen.locator('[data-testid="seat-A-2"].locked').waitFor({ timeout: UI_TIMEOUT });
    await expectText(fallen, 'sale-note', 'your tier is BASIC');
    expect(basicErrors).toEqual([]);
    expect(goldErrors).toEqual([]);
    expect(fallenErrors).toEqual([]);
  });

  it('My orders says when it cannot be read, and a read that works again (on the next change) takes that back', async () => {
    const { concertId, seatIds } = await createOption(demo.t, demo.admin, { seatCount: 5 });
    const page = await demo.newPage();
    const unavailable: ExpectedFailure = {
      status: 503,
      method: 'GET',
      path: /^\/api\/orders\/me$/,
    };
    const errors = watchErrors(page, [unavailable]);
    // The list is refused (a server restarting) until the test lets it through.
    let listAvailable = false;
    await page.route(
      (url) => url.pathname === MY_ORDERS_PATH,
      (route) =>
        listAvailable
          ? route.continue()
          : route.fulfill({
              status: 503,
              json: { status: 503, errorCode: 'SERVICE_UNAVAILABLE', message: 'Try again later' },
            }),
    );
    await login(page, demo.t.url, await signup(demo.t, 'tickets_retry'));
    expect(await expectText(page, 'tickets-message', 'Could not load')).toBe(
      'Could not load your orders: SERVICE_UNAVAILABLE Try again later',
    );
    expect(await page.getByTestId('tickets-message').getAttribute('class')).toBe('error');
    await expectText(page, 'connection', 'live (socket.io)');

    listAvailable = true;
    await pickConcert(page, concertId);
    await waitForShow(page, seatIds[0]);
    await holdSeat(page, 'A-1');
    await expectText(page, 'order-status', /^HOLD$/);
    await waitForOrder(page, await orderId(page), 'HOLD');
    await page.getByTestId('tickets-message').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    expect(errors).toEqual([]);
  });
});
