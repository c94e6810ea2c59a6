import { MigrationInterface, QueryRunner } from 'typeorm';
import { refuseRevertWhileDataExists } from '../src/database/migration-guard';

// The outbox event types this migration adds to whatever the schema already allows.
const EVENT_TYPES = ['SHOW_CANCELLED', 'CANCELLATION_PROGRESS'];

/**
 * Release class: EXPAND. Two new tables and a nullable column; the previous release ignores all three.
 *
 * Show cancellation (contract "Show cancellation and mass refunds (admin)"):
 * - `concert_options.cancelled_at` (catalog's table): the show's cancelled marker, set once by a
 *   conditional update that also decides which of two simultaneous cancellation calls creates the run.
 * - `cancellation_runs`: one per cancelled option (UNIQUE option_id: there is never a second run), with
 *   its reason, actor and `progress_pushed_at` (the last CANCELLATION_PROGRESS, so pushes from any number
 *   of instances stay at most one a second).
 * - `cancellation_run_orders`: one row per order that had a CONFIRMED item, PENDING → REFUNDED | FAILED,
 *   with attempts and the last error; `claimed_by`/`claimed_until` is the lease under which one instance
 *   refunds the row (an expired lease is taken over by any live instance).
 * - outbox_events takes SHOW_CANCELLED (the run, for outbound webhooks) and CANCELLATION_PROGRESS rows,
 *   added to the types the check already allows (read from the catalog, so this step composes with any
 *   other migration that extends the list).
 */
export class ShowCancellation1764000023000 implements MigrationInterface {
  name = 'ShowCancellation1764000023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE concert_options ADD COLUMN cancelled_at timestamptz`);
    await q.query(`
      CREATE TABLE cancellation_runs (
        id serial PRIMARY KEY,
        option_id integer NOT NULL UNIQUE REFERENCES concert_options(id),
        concert_id integer NOT NULL REFERENCES concerts(id),
        status varchar(20) NOT NULL DEFAULT 'RUNNING'
          CHECK (status IN ('RUNNING', 'DONE', 'DONE_WITH_FAILURES')),
        reason varchar(500) NOT NULL,
        actor_user_id integer NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL,
        finished_at timestamptz,
        progress_pushed_at timestamptz,
        CHECK ((status = 'RUNNING') = (finished_at IS NULL))
      )`);
    await q.query(
      `CREATE INDEX cancellation_runs_running_idx ON cancellation_runs (id) WHERE status = 'RUNNING'`,
    );
    await q.query(`
      CREATE TABLE cancellation_run_orders (
        run_id integer NOT NULL REFERENCES cancellation_runs(id),
        order_id integer NOT NULL,
        user_id integer NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        seats integer NOT NULL CHECK (seats >= 1),
        result varchar(10) NOT NULL DEFAULT 'PENDING' CHECK (result IN ('PENDING', 'REFUNDED', 'FAILED')),
        attempts integer NOT NULL DEFAULT 0,
        last_error varchar(500),
        refunded_at timestamptz,
        claimed_by varchar(100),
        claimed_until timestamptz,
        PRIMARY KEY (run_id, order_id),
        CHECK ((result = 'REFUNDED') = (refunded_at IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX cancellation_run_orders_pending_idx ON cancellation_run_orders (run_id, order_id)
         WHERE result = 'PENDING'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX cancellation_run_orders_order_idx ON cancellation_run_orders (order_id)`,
    );
    await setEventTypes(q, (types) => [...types, ...EVENT_TYPES.filter((t) => !types.includes(t))]);
  }

  /** Refused while a run exists: the record of who cancelled what and who was refunded is never dropped. */
  async down(q: QueryRunner): Promise<void> {
    await refuseRevertWhileDataExists(q, this.name, [
      { what: 'cancellation runs', count: `SELECT count(*) AS n FROM cancellation_runs` },
      {
        what: 'SHOW_CANCELLED or CANCELLATION_PROGRESS outbox rows',
        count: `SELECT count(*) AS n FROM outbox_events WHERE event_type IN ('SHOW_CANCELLED', 'CANCELLATION_PROGRESS')`,
      },
    ]);
    await setEventTypes(q, (types) => types.filter((t) => !EVENT_TYPES.includes(t)));
    await q.query(`DROP TABLE cancellation_run_orders`);
    await q.query(`DROP TABLE cancellation_runs`);
    await q.query(`ALTER TABLE concert_options DROP COLUMN cancelled_at`);
  }
}

/** Rewrites outbox_events' event-type check from the list it has now. */
async function setEventTypes(q: QueryRunner, change: (types: string[]) => string[]): Promise<void> {
  const [{ def }] = (await q.query(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'outbox_events_event_type_check'`,
  )) as { def: string }[];
  const types = change([...def.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]));
  await q.query(`ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_type_check`);
  await q.query(
    `ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_type_check
       CHECK (event_type IN (${types.map((t) => `'${t}'`).join(', ')}))`,
  );
}
