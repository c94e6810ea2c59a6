import { join } from 'node:path';
import { Page } from 'playwright-core';
import { ExpectedFailure, watchErrors } from '../../support/chromium';
import {
  ARTIFACTS,
  demoSuite,
  expectText,
  holdSeat,
  LOCK_PATH,
  login,
  pickConcert,
  signup,
  UI_TIMEOUT,
  watchFailures,
} from '../../support/demo-page';
import { bearer, createOption, TestUser } from '../../support/factories';
import { TestApp } from '../../support/test-app';

/** The demo page in Chromium with a waiting room in front of the seat map (issue 21): the fan's place, then the seats. */
jest.setTimeout(90_000);

/** One admission at a time: a second fan waits for as long as the first one stays (or until they leave). */
const ONE_AT_A_TIME = { enabled: true, admissionPerMinute: 60, maxActiveUsers: 1, activeTtlSeconds: 600 };
const QUEUE = '/api/v1/waiting-queue';

/** A concert of its own (one show of 20 seats) behind a waiting room, made through the admin API. */
async function gatedConcert(t: TestApp, admin: TestUser): Promise<number> {
  const { concertId } = await createOption(t, admin, { seatCount: 20 });
  await t
    .http()
    .put(`/api/admin/concerts/${concertId}/waiting-room`)
    .set(bearer(admin))
    .send(ONE_AT_A_TIME)
    .expect(200);
  return concertId;
}

/** Waits until the server's ticks (one a second) let the fan in: the seat map and the admission's end show. */
async function waitForAdmission(page: Page): Promise<void> {
  await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
  await expectText(page, 'admission', /^Your admission lasts until \d\d:\d\d:\d\d \(\d+:\d\d left\)\.$/);
  expect(await page.getByTestId('room').getAttribute('data-status')).toBe('ACTIVE');
  expect(await page.getByTestId('queue-numbers').isHidden()).toBe(true);
}

const isQueueJoin = (method: string, url: string) =>
  method === 'POST' && new URL(url).pathname === `${QUEUE}/join`;

describe('demo checkout page in Chromium (waiting room)', () => {
  // The demo data's first concert has no room: every fan lands on a seat map, then picks a gated concert.
  const demo = demoSuite({});

  it('a concert with a room: the fan is in line first, then admitted to the seat map, and a hold works', async () => {
    const concertId = await gatedConcert(demo.t, demo.admin);
    const page = await demo.newPage();
    const errors = watchErrors(page);
    await login(page, demo.t.url, await signup(demo.t, 'queue_first'));
    await expectText(page, 'connection', 'live (socket.io)');

    const joined = page.waitForResponse((res) => isQueueJoin(res.request().method(), res.url()));
    await pickConcert(page, concertId);
    expect(await (await joined).json()).toMatchObject({ concertId, status: 'WAITING', rank: 1 });
    await waitForAdmission(page);
    // The place was on screen before the admission; the next tick may replace it before any look can
    // catch it, so the page's event log is the witness.
    const events = (await page.getByTestId('events').textContent()) ?? '';
    expect(events).toContain('queue: number 1 in line, 1 waiting (join)');
    expect(events).toContain('queue: admitted (push)');
    expect(await page.getByTestId('leave-queue').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-queue-admitted.png'), fullPage: true });

    await holdSeat(page, 'A-1');
    await expectText(page, 'order-status', /^HOLD$/);
    expect(await page.getByTestId('order-seats').textContent()).toBe('A-1');
    expect(errors).toEqual([]);
  });

  it('a full room: the next fan is number 1 with an estimated wait, and gets in when the first fan leaves', async () => {
    const concertId = await gatedConcert(demo.t, demo.admin);
    const first = await demo.newPage();
    const firstErrors = watchErrors(first);
    await login(first, demo.t.url, await signup(demo.t, 'queue_holder'));
    await expectText(first, 'connection', 'live (socket.io)');
    await pickConcert(first, concertId);
    await waitForAdmission(first);

    const second = await demo.newPage();
    const secondErrors = watchErrors(second);
    await login(second, demo.t.url, await signup(demo.t, 'queue_next'));
    await expectText(second, 'connection', 'live (socket.io)');
    await pickConcert(second, concertId);
    // The only slot is the first fan's for 10 minutes: this place stays until they leave.
    expect(await expectText(second, 'queue-status', /^You are number \d+ in line$/)).toBe(
      'You are number 1 in line',
    );
    expect(await expectText(second, 'queue-waiting', / waiting$/)).toBe('1 waiting');
    expect(await expectText(second, 'queue-wait', /^estimated wait /)).toMatch(/^estimated wait \d+ s$/);
    expect(await second.getByTestId('queue-status').getAttribute('data-rank')).toBe('1');
    expect(await second.getByTestId('seat-map').isHidden()).toBe(true);
    expect(await second.getByTestId('admission').isHidden()).toBe(true);
    await second.screenshot({ path: join(ARTIFACTS, 'demo-queue-waiting.png'), fullPage: true });

    await first.getByTestId('leave-queue').click();
    expect(await expectText(first, 'queue-status', 'left')).toBe('You left the queue.');
    expect(await first.getByTestId('seat-map').isHidden()).toBe(true);
    // Admitted by push, on the tick after the slot was given back.
    await waitForAdmission(second);
    expect(await second.getByTestId('events').textContent()).toContain('queue: admitted (push)');
    const room = await demo.t.http().get(`/api/concerts/${concertId}/waiting-room`).expect(200);
    expect(room.body).toMatchObject({ activeCount: 1, waitingCount: 0 });

    // The first fan may come back, at the back of the line: behind the second fan's admission now.
    await first.getByTestId('join-queue').click();
    expect(await expectText(first, 'queue-status', /^You are number \d+ in line$/)).toBe(
      'You are number 1 in line',
    );
    expect(await first.getByTestId('leave-queue').isVisible()).toBe(true);
    expect(firstErrors).toEqual([]);
    expect(secondErrors).toEqual([]);
  });

  it('after a token refresh rebuilds the socket, the place is followed by push on the new one', async () => {
    const concertId = await gatedConcert(demo.t, demo.admin);
    const first = await demo.newPage();
    await login(first, demo.t.url, await signup(demo.t, 'queue_ahead'));
    await pickConcert(first, concertId);
    await waitForAdmission(first);

    const page = await demo.newPage();
    const refused: ExpectedFailure = { status: 401, method: 'DELETE', path: /^\/api\/v1\/waiting-queue$/ };
    // A re-join the page sends while the refresh is still in flight is refused once too (then retried).
    const rejoin: ExpectedFailure = { status: 401, method: 'POST', path: /^\/api\/v1\/waiting-queue\/join$/ };
    const errors = watchErrors(page, [refused, rejoin]);
    const websockets: string[] = [];
    page.on('websocket', (ws) => websockets.push(ws.url()));
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await login(page, demo.t.url, await signup(demo.t, 'queue_refresh'));
    const { accessToken } = (await (await loggedIn).json()) as { accessToken: string };
    await expectText(page, 'connection', 'live (socket.io)');
    await pickConcert(page, concertId);
    await expectText(page, 'queue-status', 'You are number 1 in line');

    // The login's token is refused from now on (as in the checkout spec's refresh test): the leave
    // refreshes the session, and the socket is made again with the new token.
    await page.route('**/api/**', (route) => {
      const headers = route.request().headers();
      if (headers.authorization !== `Bearer ${accessToken}`) return route.continue();
      return route.continue({ headers: { ...headers, authorization: `Bearer ${accessToken}x` } });
    });
    await page.getByTestId('leave-queue').click();
    await expectText(page, 'queue-status', 'You left the queue.');
    await page.getByTestId('join-queue').click();
    await expectText(page, 'queue-status', 'You are number 1 in line');
    expect(await page.getByTestId('events').textContent()).toContain('access token refreshed');
    await expectText(page, 'connection', 'live (socket.io)');
    expect(websockets.length).toBeGreaterThanOrEqual(2);

    // Only a push can tell the page now (no polling while the socket is live): the new socket follows.
    await first.getByTestId('leave-queue').click();
    await waitForAdmission(page);
    expect(await page.getByTestId('events').textContent()).toContain('queue: admitted (push)');
    expect(errors).toEqual([]);
  });

  it('a lock refused with ADMISSION_REQUIRED brings the queue back; polled, the fan is let in again', async () => {
    const concertId = await gatedConcert(demo.t, demo.admin);
    const page = await demo.newPage();
    const admissionRequired: ExpectedFailure = { status: 403, method: 'POST', path: LOCK_PATH };
    const errors = watchErrors(page, [admissionRequired]);
    const refusals = watchFailures(page, admissionRequired);
    const joins: string[] = [];
    page.on('request', (req) => {
      if (isQueueJoin(req.method(), req.url())) joins.push(req.url());
    });
    // No socket: the page follows its place by polling GET …/status.
    await page.route(
      (url) => url.pathname.startsWith('/socket.io/') && url.searchParams.has('EIO'),
      (route) => route.abort(),
    );
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await login(page, demo.t.url, await signup(demo.t, 'queue_stale'));
    const { accessToken } = (await (await loggedIn).json()) as { accessToken: string };
    await expectText(page, 'connection', /^polling every 2 s$/);
    await pickConcert(page, concertId);
    await waitForAdmission(page);
    expect(joins).toHaveLength(1);

    // The admission ends behind the page's back (the fan's place is given back through the API), and
    // the page's next reads of its place still answer the admission, as a poll that has not come round
    // yet would: so the click reaches the server, which refuses it. Real answers again once it rejoins.
    const auth = { Authorization: `Bearer ${accessToken}` };
    const admitted = (await demo.t.http().get(`${QUEUE}/status?concertId=${concertId}`).set(auth).expect(200))
      .body as { status: string };
    expect(admitted.status).toBe('ACTIVE');
    await page.route(
      (url) => url.pathname === `${QUEUE}/status`,
      (route) => (joins.length === 1 ? route.fulfill({ json: admitted }) : route.continue()),
    );
    await demo.t.http().delete(`${QUEUE}?concertId=${concertId}`).set(auth).expect(204);
    const rejoined = page.waitForRequest((req) => isQueueJoin(req.method(), req.url()));
    await page.getByTestId('seat-A-2').click();

    // Back in line: the seat map closes as the page joins again; the next tick and poll let the fan in.
    await rejoined;
    await waitForAdmission(page);
    await page.getByTestId('seat-message').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    expect(refusals).toEqual(['403 ADMISSION_REQUIRED']);
    expect(joins).toHaveLength(2);
    const events = (await page.getByTestId('events').textContent()) ?? '';
    expect(events).toContain('queue: admission required: joining the queue again');
    expect(events).toContain('queue: number 1 in line, 1 waiting (join)');
    await holdSeat(page, 'A-2');
    await expectText(page, 'order-status', /^HOLD$/);
    // The aborted socket.io transport requests are this test's doing (as in the checkout spec's polling test).
    expect(errors.filter((e) => !e.includes('net::ERR_FAILED'))).toEqual([]);
  });
});
