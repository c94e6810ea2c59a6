import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page, Request } from 'playwright-core';
import { sendPgEvent } from '../support/signed-webhook';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The demo page at / in a real browser: Debian's Chromium (`apt-get install chromium`, done by .ci/run)
 * driven by playwright-core. A missing or broken Chromium fails these tests: the page is the project's
 * first impression, so it is never silently skipped.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
/** Long enough to log in and pay on a loaded machine, short enough to watch one expire. */
const HOLD_TTL_SECONDS = 6;
/** Generous waits: the assertions are about what the page shows, not how fast. */
const UI_TIMEOUT = 15_000;
const EXPIRY_TIMEOUT = (HOLD_TTL_SECONDS + 15) * 1000;

jest.setTimeout(90_000);

async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    // No sandbox (CI runs as root); no background traffic to a network this machine does not have.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Browser console errors and CSP violations would mean a broken page even if the flow passes. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return errors;
}

async function login(page: Page, baseUrl: string): Promise<void> {
  await page.goto(baseUrl + '/');
  expect(await page.getByTestId('username').inputValue()).toBe('demo');
  await page.getByTestId('login').click();
  await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
}

/** Waits until the element's text matches (a string: contains it), then returns the text. */
async function expectText(page: Page, testId: string, expected: string | RegExp): Promise<string> {
  const element = page.getByTestId(testId);
  await element
    .filter({ hasText: expected })
    .waitFor({ timeout: testId === 'reservation-status' ? EXPIRY_TIMEOUT : UI_TIMEOUT });
  return (await element.textContent()) ?? '';
}

const seatStatus = (page: Page, seat: string) => page.getByTestId(`seat-${seat}`).getAttribute('data-status');

/** Waits until the seat button shows `status` (the grid is re-rendered, so match by attributes). */
async function waitForSeat(page: Page, seat: string, status: string): Promise<void> {
  await page
    .locator(`[data-testid="seat-${seat}"][data-status="${status}"]`)
    .waitFor({ state: 'attached', timeout: UI_TIMEOUT });
}

/** GET /api/reservations/v7/{id} requests a page made (polling), as paths. */
function watchReservationReads(page: Page): string[] {
  const reads: string[] = [];
  page.on('request', (req: Request) => {
    const path = new URL(req.url()).pathname;
    if (req.method() === 'GET' && /^\/api\/reservations\/v7\/\d+$/.test(path)) reads.push(path);
  });
  return reads;
}

describe('demo checkout page in Chromium (mock provider)', () => {
  let browser: Browser;
  let t: TestApp;
  const contexts: BrowserContext[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1100 } });
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    t = await startTestApp({ SEED_DEMO_DATA: 'true', HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) });
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves the page under the CSP with no inline script, and socket.io serves its client', async () => {
    const page = await t.http().get('/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    await t
      .http()
      .get('/app.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    await t.http().get('/style.css').expect(200).expect('Content-Type', /css/);
    await t.http().get('/socket.io/socket.io.js').expect(200);
    // The API's own 404 is unchanged by the static files.
    expect((await t.http().get('/no-such-page.html').expect(404)).body.errorCode).toBe('NOT_FOUND');
  });

  it('happy path: log in, watch the seat map live, hold with a countdown, pay, see CONFIRMED', async () => {
    const buyer = await newPage();
    const errors = watchErrors(buyer);
    const websockets: string[] = [];
    buyer.on('websocket', (ws) => websockets.push(ws.url()));
    const observer = await newPage();
    await login(buyer, t.url);
    await login(observer, t.url);
    await expectText(buyer, 'connection', 'live (socket.io)');
    await expectText(observer, 'connection', 'live (socket.io)');
    expect(await expectText(buyer, 'provider', /^mock/)).toContain('CARD_MOCK_SIMULATION');
    expect(await seatStatus(observer, 'A-1')).toBe('AVAILABLE');

    await buyer.getByTestId('seat-A-1').click();
    await expectText(buyer, 'reservation-status', /^HOLD$/);
    const countdown = await expectText(buyer, 'countdown', /Hold expires in 0:0\d/);
    const secondsLeft = Number(/0:0(\d)/.exec(countdown)![1]);
    expect(secondsLeft).toBeGreaterThan(0);
    expect(secondsLeft).toBeLessThanOrEqual(HOLD_TTL_SECONDS);
    // Another browser sees the hold by push (SEAT_STATUS), without a reload.
    await waitForSeat(observer, 'A-1', 'TEMP_RESERVED');

    await buyer.getByTestId('pay').click();
    await expectText(buyer, 'reservation-status', /^CONFIRMED$/);
    expect(await expectText(buyer, 'message', 'CONFIRMED')).toContain('ticket is booked');
    expect(await expectText(buyer, 'payment-status', 'payment SUCCESS')).toBe('payment SUCCESS');
    await waitForSeat(observer, 'A-1', 'RESERVED');
    await waitForSeat(buyer, 'A-1', 'RESERVED');
    await buyer.screenshot({ path: join(ARTIFACTS, 'demo-confirmed.png'), fullPage: true });
    // socket.io upgraded to a real websocket: the CSP's connect-src 'self' lets the page reach its host.
    expect(websockets.some((u) => u.includes('/socket.io/') && u.includes('transport=websocket'))).toBe(true);

    // The page told the truth: the server has the same reservation confirmed.
    const id = Number((await buyer.getByTestId('reservation-id').textContent())!.replace('#', ''));
    const [row] = (await t.dataSource.query('SELECT status FROM reservations WHERE id = $1', [id])) as {
      status: string;
    }[];
    expect(row.status).toBe('CONFIRMED');
    expect(errors).toEqual([]);
  });

  it('a declined payment shows FAILED with its reason; the retry confirms', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    await login(page, t.url);
    await expectText(page, 'connection', 'live (socket.io)');
    await page.getByTestId('seat-A-4').click();
    await expectText(page, 'reservation-status', /^HOLD$/);
    await page.getByTestId('mock-outcome').selectOption('decline');
    await page.getByTestId('pay').click();
    await expectText(page, 'payment-status', 'payment FAILED');
    expect(await expectText(page, 'message', 'Payment FAILED')).toContain('retry');
    expect(await page.getByTestId('reservation-status').textContent()).toBe('PAYING');
    expect(await page.getByTestId('pay').textContent()).toBe('Retry payment');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-failed.png'), fullPage: true });

    await page.getByTestId('mock-outcome').selectOption('approve');
    await page.getByTestId('pay').click();
    await expectText(page, 'reservation-status', /^CONFIRMED$/);
    await waitForSeat(page, 'A-4', 'RESERVED');
    expect(errors).toEqual([]);
  });

  it('a hold left alone shows EXPIRED by push, without a reload or a poll', async () => {
    const page = await newPage();
    const errors = watchErrors(page);
    const reads = watchReservationReads(page);
    await login(page, t.url);
    await expectText(page, 'connection', 'live (socket.io)');
    await page.getByTestId('seat-A-2').click();
    await expectText(page, 'reservation-status', /^HOLD$/);

    await expectText(page, 'reservation-status', /^EXPIRED$/);
    expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('push');
    expect(await expectText(page, 'message', 'EXPIRED')).toContain('seat is free again');
    await waitForSeat(page, 'A-2', 'AVAILABLE');
    expect(reads).toEqual([]);
    expect(await page.getByTestId('connection').getAttribute('data-mode')).toBe('socket');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-expired-push.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('falls back to polling when the socket cannot connect, and still shows EXPIRED', async () => {
    const page = await newPage();
    const reads = watchReservationReads(page);
    // The client script loads, but every socket.io transport request (…/socket.io/?EIO=4…) fails.
    await page.route(
      (url) => url.pathname.startsWith('/socket.io/') && url.searchParams.has('EIO'),
      (route) => route.abort(),
    );
    await login(page, t.url);
    await expectText(page, 'connection', /^polling every 2 s$/);
    await page.getByTestId('seat-A-3').click();
    await expectText(page, 'reservation-status', /^HOLD$/);

    await expectText(page, 'reservation-status', /^EXPIRED$/);
    expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('poll');
    expect(reads.length).toBeGreaterThan(0);
    await waitForSeat(page, 'A-3', 'AVAILABLE');
    await page.screenshot({ path: join(ARTIFACTS, 'demo-expired-polling.png'), fullPage: true });
  });
});

describe('demo checkout page in Chromium (pg-ready provider)', () => {
  let browser: Browser;
  let t: TestApp;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    t = await startTestApp({ SEED_DEMO_DATA: 'true', PAYMENT_PROVIDER: 'pg-ready', HOLD_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows "waiting for the PG webhook" with the helper command, then CONFIRMED when the webhook lands', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1100 } });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await login(page, t.url);
      await expectText(page, 'connection', 'live (socket.io)');
      await page.getByTestId('seat-B-1').click();
      await expectText(page, 'reservation-status', /^HOLD$/);
      await page.getByTestId('pay').click();
      await expectText(page, 'payment-status', 'payment PENDING');
      await expectText(page, 'message', 'waiting for the PG webhook');
      const id = Number((await page.getByTestId('reservation-id').textContent())!.replace('#', ''));
      const hint = await expectText(page, 'webhook-hint', 'npm run pg:webhook');
      expect(hint).toContain(`--reservation ${id} --status APPROVED --amount 100000`);
      expect(await page.getByTestId('pay').isDisabled()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-pg-waiting.png'), fullPage: true });

      await sendPgEvent(t, { status: 'APPROVED', reservationId: id, amount: 100000 }).expect(202);
      await expectText(page, 'reservation-status', /^CONFIRMED$/);
      expect(await page.getByTestId('last-update').getAttribute('data-source')).toBe('push');
      await waitForSeat(page, 'B-1', 'RESERVED');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
