import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Redis from 'ioredis';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { ExpectedFailure, launchChromium, watchErrors } from '../../support/chromium';
import { checkout } from '../../support/checkout';
import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../../support/factories';
import { freshRedis } from '../../support/fixtures';
import { startTestApp, TestApp } from '../../support/test-app';
import { TEST_REDIS_URL } from '../../support/test-env';
import { until } from '../../support/wait';

/**
 * The admin console at /admin (public/admin/) in a real browser: Debian's Chromium driven by
 * playwright-core, as the demo page's spec does. A missing Chromium fails these tests.
 */
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');
const ADMIN_DIR = join(__dirname, '..', '..', '..', 'public', 'admin');
/** createUser's password. */
const PASSWORD = 'password-123';
/** Generous waits: the assertions are about what the page shows, not how fast. */
const UI_TIMEOUT = 20_000;
/** The room admits one fan a second: twenty fans, with room to spare on a loaded machine. */
const ROOM_TIMEOUT = 90_000;

jest.setTimeout(180_000);

/** Paths of the API requests a page made (method and path), to see what it asked for. */
function watchApiRequests(page: Page): string[] {
  const requests: string[] = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/')) requests.push(`${req.method()} ${url.pathname}`);
  });
  return requests;
}

/** Logs in through the console's form (no keyboard-only claim here; test e does that). */
async function login(page: Page, baseUrl: string, user: TestUser): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.getByTestId('username').fill(user.username);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('login').click();
}

/** Logs in as an admin and waits for the console with its concerts loaded and live. */
async function openConsole(page: Page, baseUrl: string, admin: TestUser): Promise<void> {
  await login(page, baseUrl, admin);
  await page.getByTestId('console').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await page.getByTestId('concert-list').locator('article').first().waitFor({ timeout: UI_TIMEOUT });
}

/** Waits until the element's text matches (a string: contains it), then returns the text. */
async function expectText(page: Page, testId: string, expected: string | RegExp): Promise<string> {
  const element = page.getByTestId(testId);
  await element.filter({ hasText: expected }).waitFor({ timeout: UI_TIMEOUT });
  return (await element.textContent()) ?? '';
}

/** A figure of the waiting-room monitor (its data-value; NaN while there is none). */
const figure = async (page: Page, testId: string) =>
  Number((await page.getByTestId(testId).getAttribute('data-value')) || NaN);

/**
 * Runs `expression` in the page (a string: this project's TypeScript has no DOM types) and returns its value.
 */
const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;

/**
 * Waits until a monitor figure (its data-value, re-rendered on each of the page's polls) satisfies
 * `test`. Polled from here: a predicate evaluated in the page would need `unsafe-eval`, which the CSP forbids.
 */
async function waitForFigure(
  page: Page,
  testId: string,
  test: (v: number) => boolean,
  timeout = ROOM_TIMEOUT,
) {
  const deadline = Date.now() + timeout;
  let last = NaN;
  while (Date.now() < deadline) {
    last = await figure(page, testId);
    if (!Number.isNaN(last) && test(last)) return last;
    await sleep(200);
  }
  throw new Error(`${testId} never satisfied ${test.toString()} (last value ${last})`);
}

/** A fan's CONFIRMED ticket, bought through the API (mock provider: approved). */
async function confirmedTicket(t: TestApp, fan: TestUser, seatId: number): Promise<number> {
  const c = checkout(t, fan);
  const id = await c.toPaying(seatId);
  const confirmed = await c.confirm(id).expect(200);
  expect(confirmed.body.status).toBe('CONFIRMED');
  return id;
}

describe('admin console in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let admin: TestUser;
  let option: TestOption;
  let seat = 0;
  const contexts: BrowserContext[] = [];

  async function newPage(width = 1280, height = 1000): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
    contexts.push(context);
    return context.newPage();
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    t = await startTestApp({});
    admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 40, price: 50000 });
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('serves /admin and /admin/ under the strict CSP, with no inline script or style', async () => {
    const files = readdirSync(ADMIN_DIR);
    for (const path of ['/admin', '/admin/']) {
      const page = await t.http().get(path).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.text).toContain('<title>Ticket checkout — admin console</title>');
      expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    }
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const script = await t
        .http()
        .get(`/admin/${file}`)
        .expect(200)
        .expect('Content-Type', /javascript/);
      // Nor do the scripts set inline styles or write HTML: everything is classes and DOM nodes.
      expect(script.text).not.toMatch(/\.style\b|innerHTML|insertAdjacentHTML|setAttribute\('style'/);
    }
    await t.http().get('/admin/admin.css').expect(200).expect('Content-Type', /css/);
  });

  it('a. finds a fan’s CONFIRMED ticket, refunds it through the confirmation, sees the audit row, exports it as CSV', async () => {
    const fan = await createUser(t, 'casefan');
    const paid = await confirmedTicket(t, fan, option.seatIds[seat++]);
    const held = (await checkout(t, fan).hold(option.seatIds[seat++]).expect(201)).body.id as number;
    const page = await newPage();
    const errors = watchErrors(page);
    await openConsole(page, t.url, admin);
    await expectText(page, 'live', 'live (socket.io)');
    const available = page.getByTestId(`option-${option.optionId}-available`);
    const availableBefore = Number(await available.textContent());

    // The reservation search: the fan by name, their CONFIRMED tickets only.
    await page.getByTestId('nav-reservations').click();
    await page.getByTestId('rs-username').fill(fan.username.slice(0, 7));
    await page.getByTestId('rs-find-user').click();
    await page.getByTestId(`pick-user-${fan.username}`).click();
    expect(await page.getByTestId('rs-user-id').inputValue()).toBe(String(fan.id));
    await page.getByTestId('rs-status-CONFIRMED').check();
    await page.getByTestId('rs-search').click();
    await page.getByTestId(`reservation-row-${paid}`).waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId(`reservation-row-${held}`).count()).toBe(0);
    expect(await page.getByTestId(`reservation-row-${paid}`).textContent()).toContain(fan.username);

    // The case file, then the override: a reason, a confirmation naming amount and owner, the result.
    await page.getByTestId(`open-reservation-${paid}`).click();
    await expectText(page, 'case-status', /^CONFIRMED$/);
    await expectText(page, 'case-payments', 'PAYMENT');
    const reason = 'Venue cancelled, "sorry" — refund in full';
    await page.getByTestId('refund-reason').fill(reason);
    // Escape (or "Back") leaves the confirmation without sending anything.
    await page.getByTestId('refund-submit').click();
    await page.getByTestId('refund-dialog').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.keyboard.press('Escape');
    await page.getByTestId('refund-dialog').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await page.getByTestId('refund-submit').click();
    await page.getByTestId('refund-dialog').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const question = (await page.getByTestId('refund-confirm-text').textContent()) ?? '';
    expect(question).toContain('50,000 KRW');
    expect(question).toContain(`${fan.username} (#${fan.id})`);
    expect(await page.getByTestId('refund-confirm-reason').textContent()).toBe(reason);
    // Nothing was sent before the confirmation.
    expect(await reservationStatus(t, paid)).toBe('CONFIRMED');
    await page.screenshot({ path: join(ARTIFACTS, 'admin-refund-confirm.png'), fullPage: true });
    await page.getByTestId('refund-confirm').click();

    expect(await expectText(page, 'refund-result', 'REFUNDED')).toContain(`reservation #${paid} is REFUNDED`);
    await expectText(page, 'case-status', /^REFUNDED$/);
    // The search's row of it says so too, without a new search.
    await expectText(page, `reservation-row-${paid}`, 'REFUNDED');
    expect(await page.getByTestId(`reservation-row-${paid}`).textContent()).not.toContain('CONFIRMED');
    const caseAudit = page.getByTestId('case-audit').locator('tbody tr');
    await caseAudit.first().waitFor({ timeout: UI_TIMEOUT });
    expect(await caseAudit.count()).toBe(1);
    const caseRow = (await caseAudit.first().textContent()) ?? '';
    expect(caseRow).toContain('SUCCESS');
    expect(caseRow).toContain(reason);
    expect(caseRow).toContain(`#${admin.id} (ADMIN)`);
    expect(await page.getByTestId('case-payments').textContent()).toContain('REFUND');
    // A refunded ticket cannot be refunded again from the page.
    expect(await page.getByTestId('refund-submit').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-case-file.png'), fullPage: true });
    expect(await reservationStatus(t, paid)).toBe('REFUNDED');
    // The seat is free again, and the concerts panel's live count says so (pushed, then re-read).
    await page.getByTestId('nav-concerts').click();
    await expectText(page, `option-${option.optionId}-available`, new RegExp(`^${availableBefore + 1}$`));
    await expectText(page, `concert-${option.concertId}-available`, new RegExp(`^${availableBefore + 1}$`));

    // The audit log shows the same row; its CSV export holds it, properly quoted.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-reservation').fill(String(paid));
    await page.getByTestId('audit-result').selectOption('SUCCESS');
    await page.getByTestId('audit-search').click();
    await expectText(page, 'audit-summary', /^1 row,/);
    const auditRow = (await page.getByTestId('audit-table').locator('tbody tr').textContent()) ?? '';
    expect(auditRow).toContain('SUCCESS');
    expect(auditRow).toContain(reason);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: UI_TIMEOUT }),
      page.getByTestId('audit-export').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^admin-refund-audit-.*\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      '"id","occurredAt","result","reservationId","targetUserId","actorUserId","actorRole","reason","detailMessage"',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"SUCCESS","${paid}","${fan.id}","${admin.id}","ADMIN"`);
    expect(lines[1]).toContain('"Venue cancelled, ""sorry"" — refund in full"');
    // The admin actions trail is on the same panel (this admin made the concert and its show).
    await page.getByTestId('actions-table').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('actions-table').textContent()).toContain('CONCERT_CREATED');
    expect(errors).toEqual([]);
  });

  it('b. a USER who logs in sees the refusal and no data', async () => {
    const fan = await createUser(t, 'notadmin');
    const page = await newPage();
    const forbidden: ExpectedFailure = { status: 403, method: 'GET', path: /^\/api\/admin\// };
    const errors = watchErrors(page, [forbidden]);
    const requests = watchApiRequests(page);
    await login(page, t.url, fan);

    await page.getByTestId('refusal').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await page.getByTestId('refusal-title').textContent()).toBe('Access refused');
    const text = (await page.getByTestId('refusal-text').textContent()) ?? '';
    expect(text).toContain(`${fan.username} (role USER) may not use the admin console`);
    expect(text).toContain('(FORBIDDEN)');
    expect(await page.getByTestId('console').isHidden()).toBe(true);
    expect(await page.getByTestId('concert-list').locator('*').count()).toBe(0);
    // The page asked the server once whether the console is open to this account, and nothing else.
    expect(requests).toEqual(['POST /api/auth/login', 'GET /api/admin/actions']);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-refused.png'), fullPage: true });

    await page.getByTestId('logout').click();
    await page.getByTestId('login-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await page.getByTestId('refusal').isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('d. the sales-policy editor and the tier editor save and show the saved values; a presale shows its dates', async () => {
    const fan = await createUser(t, 'tierfan');
    // A concert in its presale now: GOLD for a day, then the general sale.
    const presale = await createOption(t, admin, { seatCount: 5 });
    const hour = 3600 * 1000;
    const at = (ms: number) => new Date(Math.floor((Date.now() + ms) / 1000) * 1000).toISOString();
    const presalePolicy = {
      presaleStartAt: at(-hour),
      presaleEndAt: at(24 * hour),
      presaleMinimumTier: 'GOLD',
      generalSaleStartAt: at(48 * hour),
      maxReservationsPerUser: 4,
    };
    await t
      .http()
      .put(`/api/admin/concerts/${presale.concertId}/sales-policy`)
      .set(bearer(admin))
      .send(presalePolicy)
      .expect(200);
    const page = await newPage();
    // The concert below has no policy yet, which the editor shows as "none yet": no request of it fails
    // (its GET would be a 404, which Chromium logs as a console error).
    const errors = watchErrors(page);
    await openConsole(page, t.url, admin);
    // Not "sale opens" with the presale's start, which is past: the presale's tier and end, and when
    // the general sale opens.
    const utc = (iso: string) => `${iso.replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;
    expect(await expectText(page, `concert-${presale.concertId}-sale`, 'presale')).toBe(
      ` · presale for GOLD and up until ${utc(presalePolicy.presaleEndAt)} · general sale opens ${utc(presalePolicy.generalSaleStartAt)}`,
    );
    expect(await page.getByTestId(`concert-${presale.concertId}`).textContent()).not.toContain(
      utc(presalePolicy.presaleStartAt),
    );

    await page.getByTestId('nav-sales-policy').click();
    await page.getByTestId('sp-concert').selectOption(String(option.concertId));
    await expectText(page, 'sp-current-box', 'no sales policy yet');
    await page.getByTestId('sp-presale-start').fill('2026-01-10T10:00');
    await page.getByTestId('sp-presale-end').fill('2026-01-10T12:00');
    await page.getByTestId('sp-presale-tier').selectOption('GOLD');
    await page.getByTestId('sp-general-start').fill('2026-01-10T14:30');
    await page.getByTestId('sp-max').fill('3');
    await page.getByTestId('sp-save').click();
    await expectText(page, 'sp-result', 'Saved the sales policy');
    const shown = await expectText(page, 'sp-current', 'GOLD');
    expect(shown).toContain('2026-01-10 10:00:00 UTC to 2026-01-10 12:00:00 UTC, tier GOLD and up');
    expect(shown).toContain('2026-01-10 14:30:00 UTC');
    expect(shown).toContain('Reservations per fan3');
    const policy = await t.http().get(`/api/concerts/${option.concertId}/sales-policy`).expect(200);
    expect(policy.body).toMatchObject({
      presaleStartAt: '2026-01-10T10:00:00.000Z',
      presaleEndAt: '2026-01-10T12:00:00.000Z',
      presaleMinimumTier: 'GOLD',
      generalSaleStartAt: '2026-01-10T14:30:00.000Z',
      maxReservationsPerUser: 3,
    });
    // Seen again after a visit elsewhere: read back from the server into the form.
    await page.getByTestId('nav-concerts').click();
    await page.getByTestId('nav-sales-policy').click();
    await expectText(page, 'sp-current', 'GOLD');
    expect(await page.getByTestId('sp-general-start').inputValue()).toBe('2026-01-10T14:30');
    expect(await page.getByTestId('sp-max').inputValue()).toBe('3');

    await page.getByTestId('nav-users').click();
    await page.getByTestId('tier-username').fill(fan.username);
    await page.getByTestId('tier-find').click();
    await page.getByTestId(`pick-user-${fan.username}`).click();
    expect(await page.getByTestId('tier-current').textContent()).toBe('BASIC');
    await page.getByTestId('tier-select').selectOption('GOLD');
    await page.getByTestId('tier-save').click();
    expect(await expectText(page, 'tier-result', 'Saved')).toBe(`Saved: ${fan.username} is now GOLD.`);
    expect(await page.getByTestId('tier-current').textContent()).toBe('GOLD');
    const me = await t.http().get('/api/auth/me').set(bearer(fan)).expect(200);
    expect(me.body.tier).toBe('GOLD');
    expect(errors).toEqual([]);
  });

  it('f. creates a concert and a show from the concerts panel; a refusal is shown; the new show sells at once', async () => {
    const page = await newPage();
    const pastShow: ExpectedFailure = {
      status: 400,
      method: 'POST',
      path: /^\/api\/admin\/concerts\/\d+\/options$/,
    };
    const errors = watchErrors(page, [pastShow]);
    await openConsole(page, t.url, admin);
    await expectText(page, 'live', 'live (socket.io)');

    await page.getByTestId('new-concert-title').fill('Made in the console');
    await page.getByTestId('new-concert-artist').fill('The Form Band');
    await page.getByTestId('new-concert-submit').click();
    const created = await expectText(page, 'new-concert-result', 'Created');
    const concertId = Number(/\(#(\d+)\)/.exec(created)![1]);
    await page.getByTestId(`concert-${concertId}`).waitFor({ timeout: UI_TIMEOUT });
    // The show form offers the new concert, chosen already.
    expect(await page.getByTestId('new-show-concert').inputValue()).toBe(String(concertId));

    // A start in the past: the API refuses, and the form says why in its own words.
    await page.getByTestId('new-show-start').fill('2020-01-01T19:00');
    await page.getByTestId('new-show-offset').fill('+09:00');
    await page.getByTestId('new-show-seats').fill('25');
    await page.getByTestId('new-show-submit').click();
    expect(await expectText(page, 'new-show-error', 'VALIDATION_FAILED')).toMatch(
      /^Could not create the show: .*\(VALIDATION_FAILED\).*concertDate must be in the future/,
    );

    // 19:30 in Seoul (+09:00) next year is 10:30 UTC.
    const year = new Date().getUTCFullYear() + 1;
    await page.getByTestId('new-show-start').fill(`${year}-03-01T19:30`);
    await page.getByTestId('new-show-price').fill('65000');
    await page.getByTestId('new-show-submit').click();
    const shown = await expectText(page, 'new-show-result', 'Created show');
    expect(shown).toMatch(
      new RegExp(
        `^Created show #\\d+ of Made in the console \\(#${concertId}\\): ${year}-03-01 10:30:00 UTC, 25 seats at 65,000 KRW\\.$`,
      ),
    );
    expect(await page.getByTestId('new-show-error').isHidden()).toBe(true);
    const optionId = Number(/show #(\d+)/.exec(shown)![1]);
    await expectText(page, `option-${optionId}-available`, /^25$/);
    expect(await page.getByTestId(`concert-${concertId}`).textContent()).toContain(
      `${year}-03-01 10:30:00 UTC`,
    );
    const [show] = (await t.http().get(`/api/concerts/${concertId}/options`).expect(200)).body as {
      id: number;
      concertDate: string;
      ticketPriceAmount: number;
      totalSeatCount: number;
    }[];
    expect(show).toMatchObject({
      id: optionId,
      concertDate: `${year}-03-01T10:30:00.000Z`,
      ticketPriceAmount: 65000,
      totalSeatCount: 25,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'admin-new-show.png'), fullPage: true });

    // Usable: a fan buys a seat of it, and the panel (following the new show live) counts it.
    const seats = (await t.http().get(`/api/concerts/options/${optionId}/seat-map`).expect(200)).body as {
      id: number;
      seatNumber: string;
    }[];
    expect(seats[0].seatNumber).toBe('A-1');
    await confirmedTicket(t, await createUser(t, 'newshowfan'), seats[0].id);
    await expectText(page, `option-${optionId}-available`, /^24$/);
    expect(errors).toEqual([]);
  });

  it('stuck payments say what the reconciler does next, and open the reservation’s case file', async () => {
    const fan = await createUser(t, 'stuckfan');
    const c = checkout(t, fan);
    const id = await c.toPaying(option.seatIds[seat++]);
    await c.confirm(id, { mockOutcome: 'pending' }).expect(200);
    await c.cancel(id).expect(200); // the PENDING attempt is voided: only the reconciler can close it now
    const page = await newPage();
    const errors = watchErrors(page);
    await openConsole(page, t.url, admin);
    await page.getByTestId('nav-payments').click();
    const row = page.getByTestId('stuck-table').locator('tr', { has: page.getByTestId(`stuck-open-${id}`) });
    await row.waitFor({ timeout: UI_TIMEOUT });
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('PENDING_AFTER_HOLD_ENDED');
    expect(await row.locator('td[data-label="Next step"]').textContent()).toMatch(
      /^The reconciler asks the gateway (from \S+Z|on its next pass)/,
    );
    await page.getByTestId(`stuck-open-${id}`).click();
    expect(await expectText(page, 'case-title', `#${id}`)).toBe(`Reservation #${id}`);
    expect(await page.getByTestId('nav-reservations').getAttribute('aria-current')).toBe('page');
    await expectText(page, 'case-status', /^CANCELLED$/);
    expect(await page.getByTestId('case-payments').textContent()).toContain('PENDING');
    expect(await page.getByTestId('refund-submit').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('e. keyboard only: Tab to the login fields, Enter to log in and to change panel; readable at 1280 and 390 px', async () => {
    const page = await newPage(1280, 900);
    const errors = watchErrors(page);
    await page.goto(`${t.url}/admin/`);
    await page.getByTestId('login-form').waitFor({ timeout: UI_TIMEOUT });
    const focused = () => inPage<string>(page, 'document.activeElement ? document.activeElement.id : ""');
    // From the top of the page (nothing is focused on load): the skip link, then the username field.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('');
    expect(await inPage(page, 'document.activeElement.className')).toBe('skip-link');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('login-username');
    await page.keyboard.type(admin.username);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('login-password');
    // The focus ring shows (the page's own :focus-visible outline).
    expect(await inPage(page, 'getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByTestId('console').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.getByTestId('concert-list').locator('article').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await focused()).toBe('concerts-title');

    // Shift+Tab from the panel's heading reaches the section links; Enter on one opens its panel.
    // The section links from the last back to the audit log, in the page's order.
    for (const href of [
      '#webhooks',
      '#users',
      '#waiting-room',
      '#sales-policy',
      '#cancellation',
      '#payments',
      '#audit',
    ]) {
      await page.keyboard.press('Shift+Tab');
      expect(await inPage(page, 'document.activeElement.getAttribute("href")')).toBe(href);
    }
    await page.keyboard.press('Enter');
    expect(await inPage(page, 'location.hash')).toBe('#audit');
    await page.getByTestId('audit-form').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await focused()).toBe('audit-title');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('audit-reservation');
    await page.screenshot({ path: join(ARTIFACTS, 'admin-1280-audit.png'), fullPage: true });
    await page.getByTestId('nav-concerts').click();
    await expectText(page, 'live', 'live (socket.io)');
    await page.screenshot({ path: join(ARTIFACTS, 'admin-1280-concerts.png'), fullPage: true });

    // 390 px wide (a phone): nothing wider than the screen, tables become one card per row.
    const phone = await newPage(390, 844);
    const phoneErrors = watchErrors(phone);
    await openConsole(phone, t.url, admin);
    const overflow = () =>
      inPage<number>(phone, 'document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'admin-390-concerts.png'), fullPage: true });
    await phone.getByTestId('nav-reservations').click();
    await phone.getByTestId('rs-search').click();
    await phone.getByTestId('rs-table').waitFor({ timeout: UI_TIMEOUT });
    expect(await inPage(phone, 'getComputedStyle(document.querySelector("table.stack tr")).display')).toBe(
      'block',
    );
    expect(await overflow()).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'admin-390-reservations.png'), fullPage: true });
    await phone.getByTestId('nav-waiting-room').click();
    await phone.getByTestId('room-chart').waitFor({ timeout: UI_TIMEOUT });
    expect(await overflow()).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: join(ARTIFACTS, 'admin-390-waiting-room.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(phoneErrors).toEqual([]);
  });

  it('refreshes a refused access token once for calls failing together; a reused refresh token ends the session', async () => {
    const page = await newPage();
    const refused: ExpectedFailure = { status: 401, method: 'GET', path: /^\/api\/(admin|reservations)\// };
    const refreshRefused: ExpectedFailure = {
      status: 401,
      method: 'POST',
      path: /^\/api\/auth\/token\/refresh$/,
    };
    const errors = watchErrors(page, [refused, refreshRefused]);
    const refreshes: { status: number; body: Promise<{ accessToken?: string; refreshToken?: string }> }[] =
      [];
    page.on('response', (res) => {
      if (new URL(res.url()).pathname !== '/api/auth/token/refresh') return;
      refreshes.push({ status: res.status(), body: res.json() });
    });
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await openConsole(page, t.url, admin);
    const session = (await (await loggedIn).json()) as { accessToken: string };

    // JWT_TTL_SECONDS cannot go below 60: instead of waiting, an access token is spoilt on its way out,
    // which the server refuses with 401 as it does an expired one. The refresh is held back until both of
    // the audit panel's first reads (the audit log, the actions) have failed, so that both fail while it
    // is in flight (a wait for that condition, not a fixed delay; bounded, and the assertions below judge).
    let spoilt = session.accessToken;
    let refusedReads = 0;
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (res.status() === 401 && path.startsWith('/api/') && path !== '/api/auth/token/refresh')
        refusedReads++;
    });
    await page.route('**/api/**', async (route) => {
      const headers = route.request().headers();
      if (headers.authorization === `Bearer ${spoilt}`) {
        return route.continue({ headers: { ...headers, authorization: `Bearer ${spoilt}x` } });
      }
      if (new URL(route.request().url()).pathname === '/api/auth/token/refresh') {
        await until(async () => refusedReads >= 2, UI_TIMEOUT, 'both reads refused').catch(() => undefined);
      }
      return route.continue();
    });
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('actions-table').waitFor({ timeout: UI_TIMEOUT });
    await expectText(page, 'audit-summary', /newest first|No audit row/);
    expect(refreshes.map((r) => r.status)).toEqual([200]);
    expect(await page.getByTestId('console').isVisible()).toBe(true);

    // Someone else spends the page's new refresh token first (a stolen copy): the page's own refresh is
    // then a reuse, which revokes the session, and the page says so and goes back to the login form.
    const pair = await refreshes[0].body;
    await t.http().post('/api/auth/token/refresh').send({ refreshToken: pair.refreshToken }).expect(200);
    spoilt = pair.accessToken!;
    await page.getByTestId('nav-payments').click();
    await page.getByTestId('login-panel').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    expect(await expectText(page, 'login-message', 'Your session ended')).toContain('Log in again');
    expect(await page.getByTestId('console').isHidden()).toBe(true);
    expect(refreshes.map((r) => r.status)).toEqual([200, 401]);
    expect(errors).toEqual([]);
  });
});

async function reservationStatus(t: TestApp, id: number): Promise<string> {
  const [row] = (await t.dataSource.query('SELECT status FROM reservations WHERE id = $1', [id])) as {
    status: string;
  }[];
  return row.status;
}

describe('admin console in Chromium (waiting room on Redis)', () => {
  let browser: Browser;
  let redis: Redis;
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    redis = await freshRedis();
    browser = await launchChromium();
    t = await startTestApp({ REDIS_URL: TEST_REDIS_URL });
    admin = await createAdmin(t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await redis?.flushdb();
    redis?.disconnect();
  });

  it('c. the admin turns a room on from the page; the monitor shows a crowd waiting, then admitted', async () => {
    const { concertId } = await createOption(t, admin, { seatCount: 20 });
    const crowd: TestUser[] = [];
    for (let i = 0; i < 20; i += 5) {
      crowd.push(...(await Promise.all([0, 1, 2, 3, 4].map(() => createUser(t, 'crowd')))));
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      const historyReads = watchApiRequests(page);
      await openConsole(page, t.url, admin);
      await page.getByTestId('nav-waiting-room').click();
      await page.getByTestId('wr-concert').selectOption(String(concertId));
      await expectText(page, 'wr-current', 'Off');

      // One admission a second, room for everyone: the crowd is let in over about twenty ticks.
      await page.getByTestId('wr-enabled').check();
      await page.getByTestId('wr-rate').fill('60');
      await page.getByTestId('wr-max-active').fill('1000');
      await page.getByTestId('wr-save').click();
      await expectText(page, 'wr-result', 'Saved the waiting room');
      expect(await page.getByTestId('wr-current').getAttribute('data-enabled')).toBe('true');
      const room = await t.http().get(`/api/concerts/${concertId}/waiting-room`).expect(200);
      expect(room.body).toMatchObject({ enabled: true, admissionPerMinute: 60, maxActiveUsers: 1000 });
      // The server's ticks of the open room reach the monitor before anyone joins.
      await waitForFigure(page, 'wr-waiting', (v) => v === 0);

      await Promise.all(
        crowd.map((fan) =>
          t.http().post('/api/v1/waiting-queue/join').set(bearer(fan)).send({ concertId }).expect(200),
        ),
      );
      await waitForFigure(page, 'wr-waiting', (v) => v > 0);
      const admittedBefore = await figure(page, 'wr-admitted-total');
      await page.screenshot({ path: join(ARTIFACTS, 'admin-waiting-room-queue.png'), fullPage: true });
      await waitForFigure(page, 'wr-admitted-total', (v) => v > admittedBefore);
      await waitForFigure(page, 'wr-admitted-minute', (v) => v > 0);
      // Everyone in, nobody twice.
      await waitForFigure(page, 'wr-active', (v) => v === 20);
      await waitForFigure(page, 'wr-waiting', (v) => v === 0);
      expect(await figure(page, 'wr-admitted-total')).toBe(20);
      const points = (await page.getByTestId('room-chart-active').getAttribute('points')) ?? '';
      expect(points.split(' ').length).toBeGreaterThan(1);
      await page.screenshot({ path: join(ARTIFACTS, 'admin-waiting-room-admitted.png'), fullPage: true });

      // The monitor reads only while it is on screen.
      await page.getByTestId('nav-concerts').click();
      const reads = () => historyReads.filter((r) => r.endsWith('/waiting-room/history')).length;
      const readsWhenHidden = reads();
      // Proving that something does NOT happen needs a fixed wait: the panel reads every POLL_MS (2 s,
      // public/admin/waiting-room.js) and one read may be in flight at the switch, so two periods and a
      // margin are the least that would show a panel still polling.
      await sleep(5000);
      expect(reads()).toBeLessThanOrEqual(readsWhenHidden + 1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
