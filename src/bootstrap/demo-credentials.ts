import { AppConfig, Role } from '../config/app-config';
import { AuthService } from '../modules/auth/auth.service';

/** A login the demo seeds, with its published password. */
export interface DemoLogin {
  username: string;
  password: string;
  role: Role;
}

/** The admin password the deployment files once defaulted to: as public as the demo ones. */
const EXAMPLE_ADMIN_PASSWORD = 'change-me-admin-password';

/**
 * The logins anyone could use once this start has finished: demo logins that still have their published
 * password (an earlier loopback start may have seeded them into this very database), those the demo
 * seeding is about to create, and a configured admin given a published password. A configured admin's
 * stored password does not count: the start replaces it with ADMIN_PASSWORD.
 */
export async function exposedLogins(
  config: AppConfig,
  auth: AuthService,
  demo: readonly DemoLogin[],
): Promise<string[]> {
  const replaced = (login: DemoLogin) => login.username.toLowerCase() === config.adminUsername?.toLowerCase();
  const kept = demo.filter((login) => !replaced(login));
  // seedDemo skips the demo admin when ADMIN_USERNAME names another one.
  const seeded = (login: DemoLogin) =>
    config.seedDemoData && !(login.role === 'ADMIN' && config.adminUsername);
  const stored = await auth.stillUsingPassword(kept.filter((login) => !seeded(login)));
  const exposed = kept
    .filter((login) => seeded(login) || stored.includes(login.username))
    .map((l) => l.username);
  const published = [EXAMPLE_ADMIN_PASSWORD, ...demo.map((login) => login.password)];
  if (config.adminUsername && config.adminPassword && published.includes(config.adminPassword))
    exposed.push(config.adminUsername);
  return exposed;
}

/** One line: what is exposed, and the ways out. */
export function refusalMessage(config: AppConfig, exposed: string[]): string {
  return (
    `HOST=${config.host} is reachable from the network and the logins ${exposed.join(', ')} have published ` +
    `demo passwords: set ADMIN_USERNAME and ADMIN_PASSWORD (a password of your own, at least 8 characters; ` +
    `an existing account's is replaced), start on a database without the demo data (a new ` +
    `EMBEDDED_DATA_DIR or DATABASE_URL, SEED_DEMO_DATA=false), or set ALLOW_DEMO_CREDENTIALS=true for a lab`
  );
}
