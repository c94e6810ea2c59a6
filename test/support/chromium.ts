import { Browser, chromium } from 'playwright-core';

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
