import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { ExpectedFailure, isExpected, launchChromium } from './chromium';
import { createAdmin, TestUser } from './factories';
import { startTestApp, TestApp } from './test-app';

/**
 * The demo page at / driven in Chromium: the service and browser each spec file in test/system/browser/demo-*
 * starts, and the steps a fan takes on the page. The assertions are about what the page shows, not how
 * fast, so every wait is generous.
 */
export const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts');
export const UI_TIMEOUT = 15_000;
/**
 * The hold time of the checkout spec's service: long enough to log in and pay on a loaded machine, short
 * enough to watch one expire.
 */
export const HOLD_TTL_SECONDS = 6;
/** The order status may change by such an expiry. */
const STATUS_TIMEOUT = (HOLD_TTL_SECONDS + 15) * 1000;

/** A soft lock's path, the request behind a click on a seat. */
export const LOCK_PATH = /^\/api\/reservations\/v7\/locks\/seats\/\d+$/;

export interface DemoSuite {
  /** The service, with SEED_DEMO_DATA and the spec's settings. */
  readonly t: TestApp;
  /** An admin made through the API, for the spec's own concerts and rooms. */
  readonly admin: TestUser;
  /** A page in a fresh browser context (its own storage), closed after the test; 1000 px wide unless told. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
}

/** Registers the suite's hooks: Chromium and the service for the spec file, and each test's pages closed after it. */
export function demoSuite(env: Record<string, string>): DemoSuite {
  let browser: Browser;
  let t: TestApp;
  let admin: TestUser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    t = await startTestApp({ SEED_DEMO_DATA: 'true', ...env });
    admin = await createAdmin(t);
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  return {
    get t() {
      return t;
    },
    get admin() {
      return admin;
    },
    async newPage(viewport = { width: 1000, height: 1100 }) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      return context.newPage();
    },
  };
}

/** The responses matching `failure` that the page got, with their errorCode: proof the expected failure happened. */
export function watchFailures(page: Page, failure: ExpectedFailure): string[] {
  const seen: string[] = [];
  page.on('response', (res) => {
    if (!isExpected([failure], res.status(), res.request().method(), res.url())) return;
    void res
      .json()
      .then((body: { errorCode?: string }) => seen.push(`${res.status()} ${body.errorCode}`))
      .catch(() => seen.push(`${res.status()} (no body)`));
  });
  return seen;
}

export interface Credentials {
  username: string;
  password: string;
}

/** Logs in through the page's form: as `user`, or with the form's defaults (the seeded demo user). */
export async function login(page: Page, baseUrl: string, user?: Credentials): Promise<void> {
  await page.goto(baseUrl + '/');
  if (user) {
    await page.getByTestId('username').fill(user.username);
    await page.getByTestId('password').fill(user.password);
  } else {
    expect(await page.getByTestId('username').inputValue()).toBe('demo');
  }
  await page.getByTestId('login').click();
  await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
}

/** A second fan, created through the API. */
export async function signup(t: TestApp, username: string): Promise<Credentials> {
  const user = { username, password: `${username}-password` };
  await t.http().post('/api/auth/signup').send(user).expect(201);
  return user;
}

/** Waits until the page shows `seat` as the fan's own pick (their soft lock). */
export async function waitForPick(page: Page, seat: string): Promise<void> {
  await page
    .locator(`[data-testid="seat-${seat}"][data-selection="mine"]`)
    .waitFor({ state: 'attached', timeout: UI_TIMEOUT });
}

/** Clicking a seat picks it (a soft lock); the hold button then holds the picks as one order. */
export async function holdSeat(page: Page, seat: string): Promise<void> {
  await page.getByTestId(`seat-${seat}`).click();
  await waitForPick(page, seat);
  await page.getByTestId('hold').click();
}

/** Waits until the element's text matches (a string: contains it), then returns the text. */
export async function expectText(page: Page, testId: string, expected: string | RegExp): Promise<string> {
  const element = page.getByTestId(testId);
  await element
    .filter({ hasText: expected })
    .waitFor({ timeout: testId === 'order-status' ? STATUS_TIMEOUT : UI_TIMEOUT });
  return (await element.textContent()) ?? '';
}

/** Picks the concert in the page's list (its first show comes with it). */
export async function pickConcert(page: Page, concertId: number): Promise<void> {
  await page.getByTestId('concert').selectOption(String(concertId));
}

/** Waits until the seat button shows `status` (the grid is re-rendered, so match by attributes). */
export async function waitForSeat(page: Page, seat: string, status: string): Promise<void> {
  await page
    .locator(`[data-testid="seat-${seat}"][data-status="${status}"]`)
    .waitFor({ state: 'attached', timeout: UI_TIMEOUT });
}

/**
 * Waits until the page follows its show's seats live: subscribed over socket.io, and the map read after
 * the server confirmed it (the grid's `data-live`). Only then is every seat change sure to reach it by push.
 */
export async function waitForLiveSeatMap(page: Page): Promise<void> {
  await page
    .locator('[data-testid="seat-map"][data-live]')
    .waitFor({ state: 'attached', timeout: UI_TIMEOUT });
}

/** An order's row in "My orders". */
export const myOrder = (page: Page, id: number) => page.getByTestId(`order-${id}`);

/** Waits until "My orders" shows the order with `status`. */
export async function waitForOrder(page: Page, id: number, status: string): Promise<void> {
  await page
    .locator(`[data-testid="order-${id}"][data-status="${status}"]`)
    .waitFor({ state: 'attached', timeout: UI_TIMEOUT });
}

/** The order the cart shows. */
export const orderId = async (page: Page) =>
  Number((await page.getByTestId('order-id').textContent())!.replace('#', ''));

/** The reservation of a seat of the order the cart shows. */
export const itemReservationId = async (page: Page, seat: string) =>
  Number(await page.getByTestId(`cart-item-${seat}`).getAttribute('data-reservation-id'));
