import { Browser, chromium, Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`, done by .ci/run), driven by playwright-core. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * A headless Chromium for the browser tests. No sandbox (CI runs as root); no background traffic to a
 * network this machine does not have. `extraArgs` adds flags (e.g. host-resolver rules).
 */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** A failed response a test provokes on purpose (an expected 409, the 401 that starts a refresh). */
export interface ExpectedFailure {
  status: number;
  method: string;
  path: RegExp;
}

export const isExpected = (expected: ExpectedFailure[], status: number, method: string, url: string) =>
  expected.some((e) => e.status === status && e.method === method && e.path.test(new URL(url).pathname));

/**
 * Browser console errors, CSP violations and failed responses mean a broken page even if the flow
 * passes. Only the `expected` failures are let through: their response, and Chromium's console line about
 * it ("Failed to load resource: … status of 409"), which names the status but not the method, hence
 * `method` unchecked there.
 */
export function watchErrors(page: Page, expected: ExpectedFailure[] = []): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const status = /Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text());
    const url = msg.location().url;
    if (
      status &&
      url &&
      expected.some((e) => e.status === Number(status[1]) && e.path.test(new URL(url).pathname))
    )
      return;
    errors.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() < 400 || isExpected(expected, res.status(), res.request().method(), res.url())) return;
    errors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  return errors;
}
