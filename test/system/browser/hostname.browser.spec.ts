import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../support/chromium';
import { createAdmin } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';

/**
 * The service reached by a host name that is not localhost (a LAN name, a VM's name, a container's):
 * Chromium resolves tickets.test to the test server's 127.0.0.1, so the pages are plain http on an
 * origin that is not "potentially trustworthy". That is where a CSP `upgrade-insecure-requests` bites
 * (the browser fetches the page's own scripts and styles over https, which fail) and where a form that
 * submits with GET would put the password into the URL. Localhost hides both, so every other browser
 * spec would miss them. Debian's Chromium, as in demo-checkout.browser.spec.ts.
 */
const HOST = 'tickets.test';
/** Generous waits: the assertions are about what the pages show, not how fast. */
const UI_TIMEOUT = 15_000;

jest.setTimeout(90_000);

interface Watched {
  /** Failed requests, failed responses, console errors and uncaught exceptions: none is expected. */
  problems: string[];
  /** Every request URL the page made. */
  urls: string[];
}

function watch(page: Page): Watched {
  const watched: Watched = { problems: [], urls: [] };
  const { problems, urls } = watched;
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('requestfailed', (req) =>
    problems.push(`failed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('request', (req) => urls.push(req.url()));
  return watched;
}

/** Runs `expression` in the page (a string: this project's TypeScript has no DOM types). */
const inPage = <T>(page: Page, expression: string) => page.evaluate(expression) as Promise<T>;

/** A computed style of the first element matching `selector` (a custom property on :root too). */
const computed = (page: Page, selector: string, property: string) =>
  inPage<string>(
    page,
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(property)}).trim()`,
  );

/**
 * The method of every form on the page that has a password field. A form's default is GET, which puts
 * its fields in the URL (history, logs, Referer) whenever it submits without its script: these must be
 * `post`. The other forms carry no credentials, and their scripts send what they hold.
 */
const passwordFormMethods = (page: Page) =>
  inPage<string[]>(
    page,
    `[...document.forms].filter((f) => f.querySelector('input[type=password]')).map((f) => f.method)`,
  );

describe(`demo page, API docs and admin console at http://${HOST}:<port>`, () => {
  let browser: Browser;
  let t: TestApp;
  /** http://tickets.test:<the test server's port> */
  let base: string;
  const contexts: BrowserContext[] = [];

  async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1100 }, ...options });
    contexts.push(context);
    return context.newPage();
  }

  /** A fan made through the API. */
  async function signup(username: string) {
    const user = { username, password: `${username}-password` };
    await t.http().post('/api/auth/signup').send(user).expect(201);
    return user;
  }

  beforeAll(async () => {
    browser = await launchChromium([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`]);
    t = await startTestApp({ SEED_DEMO_DATA: 'true' });
    base = `http://${HOST}:${new URL(t.url).port}`;
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the demo page is styled, its scripts run (login, seat map, live socket), and nothing fails', async () => {
    const page = await newPage();
    const { problems, urls } = watch(page);
    const websockets: string[] = [];
    page.on('websocket', (ws) => websockets.push(ws.url()));
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    // What made a browser fetch the page's own files over https; the checks below would catch it too.
    expect(response?.headers()['content-security-policy']).not.toContain('upgrade-insecure-requests');

    // style.css applies: its custom property on :root, and a rule's colour.
    expect(await computed(page, ':root', '--free')).toBe('#2e7d32');
    expect(await computed(page, 'header', 'background-color')).toBe('rgb(30, 36, 48)');

    expect(await passwordFormMethods(page)).toEqual(['post']);

    // app.js runs: the form logs in by fetch and the shop comes, with the seat map and the live socket.
    const user = await signup('host_fan');
    await page.getByTestId('username').fill(user.username);
    await page.getByTestId('password').fill(user.password);
    const loggedIn = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
    await page.getByTestId('login').click();
    const login = await loggedIn;
    expect(login.status()).toBe(200);
    expect(login.request().resourceType()).toBe('fetch');
    await page.getByTestId('seat-map').locator('[data-status]').first().waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('who').textContent()).toContain(user.username);
    await page
      .getByTestId('connection')
      .filter({ hasText: 'live (socket.io)' })
      .waitFor({ timeout: UI_TIMEOUT });
    expect(websockets.some((u) => u.startsWith(`ws://${HOST}:`))).toBe(true);

    // The credentials went in the login's body, never in a URL.
    expect(page.url()).toBe(`${base}/`);
    expect(urls.filter((u) => /password/i.test(u))).toEqual([]);
    // Every file came from the page's own origin over http: nothing was upgraded to https.
    expect(urls.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith(`ws://${HOST}:`))).toEqual([]);
    for (const file of ['/style.css', '/socket.io/socket.io.js', '/queue.js', '/app.js'])
      expect(urls).toContain(`${base}${file}`);
    expect(problems).toEqual([]);
  });

  it('/docs renders Swagger UI, and /admin runs its scripts and styles', async () => {
    const docs = await newPage();
    const docsWatch = watch(docs);
    await docs.goto(`${base}/docs`);
    // Swagger UI's bundle ran and read the OpenAPI document: the API's title is in the container.
    await docs.locator('#swagger-ui .swagger-ui .info').waitFor({ timeout: UI_TIMEOUT });
    expect(await docs.locator('#swagger-ui .info .title').textContent()).toContain('Ticket checkout API');
    await docs.locator('#swagger-ui .opblock').first().waitFor({ timeout: UI_TIMEOUT });
    expect(docsWatch.problems).toEqual([]);

    const admin = await createAdmin(t);
    const page = await newPage();
    const { problems, urls } = watch(page);
    await page.goto(`${base}/admin`);
    expect(await computed(page, ':root', '--accent')).toBe('#1565c0');
    expect(await passwordFormMethods(page)).toEqual(['post']);
    await page.getByTestId('username').fill(admin.username);
    await page.getByTestId('password').fill('password-123');
    await page.getByTestId('login').click();
    // main.js and its modules run: the console opens and lists the demo concert.
    await page.getByTestId('console').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page.getByTestId('concert-list').locator('article').first().waitFor({ timeout: UI_TIMEOUT });
    expect(new URL(page.url())).toMatchObject({ pathname: '/admin', search: '' });
    expect(urls.filter((u) => /password/i.test(u))).toEqual([]);
    expect(urls).toContain(`${base}/admin/main.js`);
    expect(problems).toEqual([]);
  });

  it.each(['/', '/admin'])(
    'with JavaScript off, the login form of %s POSTs: the credentials never reach the URL',
    async (path) => {
      const page = await newPage({ javaScriptEnabled: false });
      const { urls } = watch(page);
      await page.goto(`${base}${path}`);
      await page.getByTestId('username').fill('nojs_fan');
      await page.getByTestId('password').fill('nojs-secret-password');
      const answered = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/auth/login');
      await page.getByTestId('login').click();
      const response = await answered;

      // The browser's own form submission: a POST with the fields in its body. The API reads JSON only
      // (415), which is fine: nothing here is meant to work without the script, only to leak nothing.
      expect(response.request().method()).toBe('POST');
      expect(response.request().resourceType()).toBe('document');
      expect(response.request().postData()).toContain('password=nojs-secret-password');
      expect(response.status()).toBe(415);
      expect(await response.json()).toMatchObject({ status: 415, errorCode: 'UNSUPPORTED_MEDIA_TYPE' });
      await page.waitForURL(`${base}/api/auth/login`, { timeout: UI_TIMEOUT });
      expect(urls.filter((u) => /nojs/i.test(u))).toEqual([]);
    },
  );
});
