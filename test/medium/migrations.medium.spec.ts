import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkMigrations,
  dropDatabase,
  freshDatabase,
  loadMigrations,
  MIGRATIONS_DIR,
  nameOf,
} from '../support/migration-checker';
import { MIGRATION_STEPS } from '../support/migration-data';
import { TEST_DATABASE } from '../support/test-env';

const migrations = loadMigrations();
/** Databases of their own, beside the run's test database (dropped at the end). */
const DATABASE = `${TEST_DATABASE}_migrations`.slice(0, 63);
const BROKEN_DATABASE = `${TEST_DATABASE}_broken_down`.slice(0, 63);

/**
 * Every migration, both ways, on the real PostgreSQL: applied one at a time with data written after each
 * step, reverted one at a time with the catalog compared to the step before (a down() that refuses to
 * lose data must refuse first), applied again. docs/operations.md relies on this for "revert a migration".
 */
describe('migrations', () => {
  afterAll(async () => {
    await dropDatabase(DATABASE);
    await dropDatabase(BROKEN_DATABASE);
  });

  it('every migration in migrations/ has an entry in the data-writer table (so its down() is tested)', () => {
    const untested = migrations.map(({ cls }) => nameOf(cls)).filter((name) => !MIGRATION_STEPS[name]);
    expect(untested).toEqual([]);
    const stale = Object.keys(MIGRATION_STEPS).filter(
      (n) => !migrations.some(({ cls }) => nameOf(cls) === n),
    );
    expect(stale).toEqual([]);
  });

  it('every migration is classed in its header comment as expand or contract', () => {
    const unclassed = migrations
      .map(({ file }) => file)
      .filter((file) => {
        const header =
          /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))?.[1] ?? '';
        return !/^ \* Release class: (EXPAND|CONTRACT)\. /m.test(header);
      });
    expect(unclassed).toEqual([]);
  });

  it('the newest migration is an expand step (the previous release runs on it: test/system/previous-release)', () => {
    const newest = migrations[migrations.length - 1].file;
    expect(readFileSync(join(MIGRATIONS_DIR, newest), 'utf8')).toMatch(/^ \* Release class: EXPAND\. /m);
  });

  it('apply one at a time with data, revert one at a time to the previous catalog (refusals first), apply again', async () => {
    const url = await freshDatabase(DATABASE);
    await checkMigrations(
      url,
      migrations.map(({ cls }) => cls),
      MIGRATION_STEPS,
    );
  }, 240_000);

  it('fails on a down() that does not restore the schema (a deliberately broken fixture copy)', async () => {
    const broken = loadMigrations(join(__dirname, 'fixtures/broken-migration'))[0].cls;
    const url = await freshDatabase(BROKEN_DATABASE);
    const initial = migrations[0].cls;
    await expect(
      checkMigrations(url, [initial, broken], {
        [nameOf(initial)]: MIGRATION_STEPS[nameOf(initial)],
        [nameOf(broken)]: MIGRATION_STEPS.OutboxRelayLease1764000008000,
      }),
    ).rejects.toThrow(
      /OutboxRelayLeaseBrokenDown1764000008000\.down\(\) did not restore the schema of the step before:\n {2}extra: {3}index CREATE INDEX outbox_events_unpublished_key_idx/,
    );
  }, 60_000);
});
