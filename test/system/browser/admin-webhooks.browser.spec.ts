import { Browser, Page } from 'playwright-core';
import { WebhookReceiver } from '../../../support/webhook-receiver';
import { launchChromium, watchErrors } from '../../support/chromium';
import { createAdmin, TestUser } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';
import { until } from '../../support/wait';

/** createUser's password. */
const PASSWORD = 'password-123';
const UI_TIMEOUT = 20_000;

jest.setTimeout(120_000);

/**
 * The console's webhooks panel in Chromium, against a real receiver on 127.0.0.1 that verifies every
 * message with the `standardwebhooks` package: add an endpoint (secret shown once), send a test event,
 * the delivery log with its filter, replay (same webhook-id), rotate (both signatures), disable and
 * enable (the waiting message goes out), delete.
 */
describe('admin console: outbound webhooks panel in Chromium', () => {
  let browser: Browser;
  let t: TestApp;
  let admin: TestUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    browser = await launchChromium();
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
    admin = await createAdmin(t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  const click = (page: Page, testId: string) => page.getByTestId(testId).first().click();
  const text = async (page: Page, testId: string, expected: string | RegExp) => {
    await page.getByTestId(testId).filter({ hasText: expected }).first().waitFor({ timeout: UI_TIMEOUT });
    return (await page.getByTestId(testId).first().textContent()) ?? '';
  };

  it('adds an endpoint, tests, reads the log, replays, rotates, disables and enables, deletes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.url}/admin#webhooks`);
    await page.getByTestId('username').fill(admin.username);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('login').click();
    await page.getByTestId('wh-form').waitFor({ state: 'visible', timeout: UI_TIMEOUT });

    // Add: the secret is shown once, in the panel; the list that follows shows none.
    await page.getByTestId('wh-url').fill(receiver.url('/console'));
    await page.locator('input[name="wh-event"][value="ORDER_REFUNDED"]').check();
    await page.getByTestId('wh-description').fill('Door scanners');
    await click(page, 'wh-create');
    const secret = await text(page, 'wh-secret', /^whsec_/);
    receiver.verifyWith('/console', secret);
    expect(await text(page, 'wh-endpoint-table', 'ORDER_CONFIRMED, ORDER_REFUNDED')).toContain(
      'Door scanners',
    );
    expect(await page.getByTestId('wh-endpoint-table').textContent()).not.toContain(secret);

    // Send a test event: delivered, signed with that secret.
    await click(page, 'wh-test');
    await text(page, 'wh-result', /Test event msg_[0-9a-f]{32} queued/);
    await until(async () => receiver.on('/console').length === 1, 5000, 'the test event');
    const [first] = receiver.on('/console');
    expect(first.verified).toEqual([true]);
    expect(JSON.parse(first.body)).toMatchObject({ type: 'WEBHOOK_TEST' });

    // The delivery log, filtered.
    await click(page, 'wh-show-log');
    await text(page, 'wh-message-status', 'SUCCEEDED');
    expect(await page.getByTestId(`wh-message-${first.id}`).textContent()).toContain('WEBHOOK_TEST');
    await page.getByTestId('wh-log-status').selectOption('FAILED');
    await click(page, 'wh-log-refresh');
    await page.getByTestId('wh-log-empty').waitFor({ timeout: UI_TIMEOUT });
    await page.getByTestId('wh-log-status').selectOption('');
    await click(page, 'wh-log-refresh');
    await text(page, 'wh-message-status', 'SUCCEEDED');

    // Replay: the same webhook-id again.
    await click(page, 'wh-replay');
    await text(page, 'wh-result', `Message ${first.id} sent again`);
    await until(async () => receiver.on('/console').length === 2, 5000, 'the replay');
    expect(receiver.on('/console')[1].id).toBe(first.id);

    // Rotate: a new secret shown once; during the overlap both sign.
    await click(page, 'wh-rotate');
    const shown = () => page.getByTestId('wh-secret').textContent();
    await until(
      async () => /^whsec_/.test((await shown()) ?? '') && (await shown()) !== secret,
      5000,
      'new secret',
    );
    const newSecret = (await shown())!;
    receiver.verifyWith('/console', secret, newSecret);
    await click(page, 'wh-test');
    await until(async () => receiver.on('/console').length === 3, 5000, 'a test event after rotation');
    expect(receiver.on('/console')[2].verified).toEqual([true, true]);

    // Disable: a test event waits (PENDING); enable: it goes out.
    await click(page, 'wh-toggle');
    await text(page, 'wh-status', 'disabled');
    await click(page, 'wh-test');
    await click(page, 'wh-show-log');
    await text(page, 'wh-message-status', 'PENDING');
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.on('/console')).toHaveLength(3);
    await click(page, 'wh-toggle');
    await text(page, 'wh-status', /^enabled$/);
    await until(async () => receiver.on('/console').length === 4, 5000, 'the waiting message');

    // Delete.
    await click(page, 'wh-delete');
    await text(page, 'wh-endpoints', 'No endpoints yet.');
    expect(errors).toEqual([]);
    await context.close();
  });
});
