import { networkInterfaces, NetworkInterfaceInfo } from 'node:os';
import { DEMO_ADMIN, DEMO_FANS } from './bootstrap/bootstrap-data.service';
import { AppConfig } from './config/app-config';

/**
 * The last thing start-up prints, in plain text: where the service is and how to get in. Everything
 * before it is the log; this is for the person who just typed `npm start`. On every interface (0.0.0.0,
 * ::) it names the machine's own IPv4 addresses, where other devices reach it, and 127.0.0.1.
 */
export function startupBanner(
  config: AppConfig,
  providerMode: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string {
  const everyInterface = config.host === '0.0.0.0' || config.host === '::';
  const hosts = everyInterface ? [...externalIPv4(interfaces), '127.0.0.1'] : [config.host];
  const urls = hosts.map((host) => `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`);
  const base = urls[0];
  const lines = [
    `Ticket checkout is ready on ${urls.join(', ')}` +
      (everyInterface ? ` (listening on ${config.host})` : ''),
    `  demo page   ${base}/`,
    `  admin       ${base}/admin`,
    `  API docs    ${base}/docs   (OpenAPI JSON for Postman/Insomnia: ${base}/docs-json)`,
    `  payments    ${config.paymentProvider} (${providerMode})`,
    `  database    ${config.databaseIsEmbedded ? `embedded PostgreSQL in ${config.embeddedDataDir}` : 'DATABASE_URL'}`,
  ];
  if (config.seedDemoData) {
    const admin = config.adminUsername
      ? `${config.adminUsername} / (ADMIN_PASSWORD)`
      : `${DEMO_ADMIN.username} / ${DEMO_ADMIN.password}`;
    const fans = DEMO_FANS.map((f) => `${f.username} / ${f.password} (${f.tier} fan)`).join(', ');
    lines.push(`  log in as   ${fans}, ${admin} (admin)`);
  }
  const rule = '─'.repeat(Math.max(...lines.map((l) => l.length)));
  return [rule, ...lines, rule].join('\n');
}

/** The machine's own IPv4 addresses (not loopback), in the order the OS lists its interfaces. */
function externalIPv4(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  return Object.values(interfaces)
    .flatMap((addresses) => addresses ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address);
}
