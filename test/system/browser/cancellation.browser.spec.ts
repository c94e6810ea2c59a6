import { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, watchErrors } from '../../support/chromium';
import { checkout } from '../../support/checkout';
import { bearer, createAdmin, createOption, createUser, TestOption, TestUser } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';
import { TestGateway } from '../../support/test-gateway';

/** createUser's password. */
const PASSWORD = 'password-123';
const UI_TIMEOUT = 20_000;
jest.setTimeout(120_000);

/**
 * "Cancel a show" in the admin console (public/admin/cancellation.js) in Chromium: the dry-run totals come
 * first and nothing changes; the confirmation names those totals and needs a reason; then a live progress
 * bar, the failed rows with the gateway's error, the run found again on a later visit, and a retry that
 * finishes the run.
 */
describe('admin console: cancel a show', () => {
  const gateway = new TestGateway();
  let browser: Browser;
  let context: BrowserContext;
  let t: TestApp;
  let admin: TestUser;
  let option: TestOption;

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestApp({ MAX_ACTIVE_HOLDS_PER_USER: '0' }, { paymentGateway: gateway });
    admin = await createAdmin(t);
    option = await createOption(t, admin, { seatCount: 10, price: 50000 });
    const fans = [await createUser(t), await createUser(t)];
    for (const [i, fan] of fans.entries()) {
      const id = await checkout(t, fan).toPaying(option.seatIds[i]);
      expect((await checkout(t, fan).confirm(id).expect(200)).body.status).toBe('CONFIRMED');
    }
    await checkout(t, fans[0]).hold(option.seatIds[5]).expect(201);
    context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  const text = async (page: Page, testId: string, expected: string | RegExp) => {
    await page.getByTestId(testId).filter({ hasText: expected }).waitFor({ timeout: UI_TIMEOUT });
    return (await page.getByTestId(testId).textContent()) ?? '';
  };

  it('dry run, confirmation naming the totals, live progress, failed rows with errors, the run found again on a later visit, retry', async () => {
    const errors: string[][] = [];
    /** The console's "Cancel a show" panel, logged in, with the test's show listed. */
    const openConsole = async () => {
      const visit = await context.newPage();
      errors.push(watchErrors(visit));
      await visit.goto(`${t.url}/admin#cancellation`);
      await visit.getByTestId('username').fill(admin.username);
      await visit.getByTestId('password').fill(PASSWORD);
      await visit.getByTestId('login').click();
      await visit
        .getByTestId('cx-option')
        .locator(`option[value="${option.optionId}"]`)
        .waitFor({ state: 'attached', timeout: UI_TIMEOUT });
      return visit;
    };
    let page = await openConsole();
    await page.getByTestId('cx-option').selectOption(String(option.optionId));

    await page.getByTestId('cx-dry-run').click();
    const totals = await text(page, 'cx-totals', /2 paid orders/);
    expect(totals).toContain('(2 seats, ');
    expect(totals).toMatch(/100,000/);
    expect(totals).toContain('1 unpaid order');
    // Nothing changed: the show still sells.
    const options = await t.http().get(`/api/concerts/${option.concertId}/options`).expect(200);
    expect(options.body[0].saleStatus).not.toBe('CANCELLED');

    const label = await text(page, 'cx-confirm-label', /2 paid orders/);
    expect(label).toMatch(/2 seats, .*100,000/);
    expect(await page.getByTestId('cx-submit').isDisabled()).toBe(true);
    await page.getByTestId('cx-reason').fill('Venue flooded');
    expect(await page.getByTestId('cx-submit').isDisabled()).toBe(true); // not confirmed yet
    await page.getByTestId('cx-confirm').check();

    gateway.refundBehaviour = 'unreachable';
    await page.getByTestId('cx-submit').click();
    await text(page, 'cx-status', /DONE_WITH_FAILURES · 0 of 2 refunded/);
    expect(await page.getByTestId('cx-failed-table').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('cx-failed-table').textContent()).toContain('PAYMENT_GATEWAY_ERROR');
    const runs = await t.dataSource.query(`SELECT id FROM cancellation_runs WHERE option_id = $1`, [
      option.optionId,
    ]);
    expect(runs).toHaveLength(1);

    // Back later (a new visit, or another admin): the cancelled show's button shows its run, failures and
    // all, and makes no second run. The rest of the test goes on in that visit.
    await page.close();
    page = await openConsole();
    await page.getByTestId('cx-option').selectOption(String(option.optionId));
    expect(await page.getByTestId('cx-run').isHidden()).toBe(true);
    expect(await page.getByTestId('cx-dry-run').textContent()).toBe('Show the run');
    await page.getByTestId('cx-dry-run').click();
    await text(page, 'cx-status', /DONE_WITH_FAILURES · 0 of 2 refunded/);
    await page.getByTestId('cx-failed-table').waitFor({ timeout: UI_TIMEOUT });
    expect(await page.getByTestId('cx-failed-table').locator('tbody tr').count()).toBe(2);
    expect(
      await t.dataSource.query(`SELECT id FROM cancellation_runs WHERE option_id = $1`, [option.optionId]),
    ).toHaveLength(1);

    gateway.refundBehaviour = 'ok';
    await page.getByTestId('cx-retry').click();
    await text(page, 'cx-status', /DONE · 2 of 2 refunded \(100,000/);
    expect(
      await page
        .getByTestId('cx-progress')
        .evaluate((bar) => [
          (bar as unknown as { value: number }).value,
          (bar as unknown as { max: number }).max,
        ]),
    ).toEqual([2, 2]);
    expect(await page.getByTestId('cx-retry').isHidden()).toBe(true);
    const run = await t.http().get(`/api/admin/cancellations/${runs[0].id}`).set(bearer(admin)).expect(200);
    expect(run.body.totals).toMatchObject({ refunded: 2, failed: 0 });
    expect(errors.flat()).toEqual([]);
  });
});
