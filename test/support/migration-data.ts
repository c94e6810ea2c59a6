import { Db, StepData } from './migration-checker';

let serial = 0;
/** A tag that keeps each write's unique values (usernames, keys) apart. */
const nextTag = () => `m${++serial}`;

const has = async (db: Db, table: string) =>
  ((await db.query(`SELECT to_regclass($1) IS NOT NULL AS ok`, [table])) as { ok: boolean }[])[0].ok;

async function one<T = { id: number }>(db: Db, sql: string, params: unknown[] = []): Promise<T> {
  return ((await db.query(sql, params)) as T[])[0];
}

/** A user, with their wallet where the step keeps it (users.wallet_balance_amount, then wallets). */
async function user(db: Db, username: string, role = 'USER'): Promise<number> {
  if (await has(db, 'wallets')) {
    const { id } = await one(
      db,
      `INSERT INTO users (username, password_hash, role) VALUES ($1, 'x', $2) RETURNING id`,
      [username, role],
    );
    await db.query(`INSERT INTO wallets (user_id, balance_amount) VALUES ($1, 5000)`, [id]);
    return id;
  }
  const { id } = await one(
    db,
    `INSERT INTO users (username, password_hash, role, wallet_balance_amount) VALUES ($1, 'x', $2, 5000) RETURNING id`,
    [username, role],
  );
  return id;
}

export interface World {
  userId: number;
  adminId: number;
  concertId: number;
  optionId: number;
  reservations: Record<string, number>;
}

const STATUSES = ['HOLD', 'PAYING', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED'] as const;

/**
 * What every schema since the first allows: users, a show with seats, a reservation in every status with
 * the ledger rows that status implies, outbox rows (payload form), a webhook, an idempotency record and
 * an audit row.
 */
export async function writeWorld(db: Db): Promise<World> {
  const tag = nextTag();
  const userId = await user(db, `fan_${tag}`);
  const adminId = await user(db, `admin_${tag}`, 'ADMIN');
  const { id: concertId } = await one(
    db,
    `INSERT INTO concerts (title, artist_name) VALUES ($1, 'a') RETURNING id`,
    [`Show ${tag}`],
  );
  const { id: optionId } = await one(
    db,
    `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount)
     VALUES ($1, now() + interval '30 days', 1000) RETURNING id`,
    [concertId],
  );
  const reservations: Record<string, number> = {};
  for (const [i, status] of STATUSES.entries()) {
    const seatStatus = { HOLD: 'TEMP_RESERVED', PAYING: 'TEMP_RESERVED', CONFIRMED: 'RESERVED' }[
      status as string
    ];
    const { id: seatId } = await one(
      db,
      `INSERT INTO seats (option_id, seat_number, status) VALUES ($1, $2, $3) RETURNING id`,
      [optionId, `A${i + 1}`, seatStatus ?? 'AVAILABLE'],
    );
    const { id } = await one(
      db,
      `INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at,
                                 confirmed_at, expired_at, cancelled_at, refunded_at)
       VALUES ($1, $2, $3, $4, $5::varchar, 1000, now(), now() + interval '10 minutes',
               CASE WHEN $5::varchar IN ('CONFIRMED', 'REFUNDED') THEN now() END, CASE WHEN $5::varchar = 'EXPIRED' THEN now() END,
               CASE WHEN $5::varchar = 'CANCELLED' THEN now() END, CASE WHEN $5::varchar = 'REFUNDED' THEN now() END)
       RETURNING id`,
      [userId, seatId, optionId, concertId, status],
    );
    reservations[status] = id;
    const ledger = (type: string, txStatus: string, key: string) =>
      db.query(
        `INSERT INTO payment_transactions (user_id, reservation_id, type, status, payment_method, payment_provider,
                                           provider_transaction_id, amount, idempotency_key)
         VALUES ($1, $2, $3, $4, 'CARD', 'mock', $5, 1000, $5)`,
        [userId, id, type, txStatus, `${key}-${tag}-${id}`],
      );
    if (status === 'PAYING') await ledger('PAYMENT', 'PENDING', 'pay');
    if (status === 'CONFIRMED' || status === 'REFUNDED') await ledger('PAYMENT', 'SUCCESS', 'pay');
    if (status === 'CANCELLED') await ledger('PAYMENT', 'FAILED', 'pay');
    if (status === 'REFUNDED') await ledger('REFUND', 'SUCCESS', 'refund');
    await db.query(
      `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload, published_at)
       VALUES ('RESERVATION_STATUS', $1, $2, $3, jsonb_build_object('reservationId', $4::int, 'status', $5::text),
               CASE WHEN $4::int % 2 = 0 THEN now() END)`,
      [`${optionId}:${seatId}`, userId, optionId, id, status],
    );
  }
  await db.query(
    `INSERT INTO payment_transactions (user_id, type, status, payment_method, payment_provider, amount,
                                       balance_after_amount, idempotency_key)
     VALUES ($1, 'CHARGE', 'SUCCESS', 'CARD', 'wallet', 5000, 5000, $2)`,
    [userId, `charge-${tag}`],
  );
  await db.query(
    `INSERT INTO webhook_inbox (provider, provider_event_id, raw_body, result) VALUES ('pg-ready', $1, '{}', 'APPLIED')`,
    [`evt-${tag}`],
  );
  await db.query(
    `INSERT INTO idempotency_records (user_id, scope, idempotency_key, request_hash, response_status, response_body)
     VALUES ($1, 'confirm', $2, repeat('a', 64), 200, '{}')`,
    [userId, `idem-${tag}`],
  );
  await db.query(
    `INSERT INTO admin_refund_audit_logs (reservation_id, target_user_id, actor_user_id, actor_role, result, reason)
     VALUES ($1, $2, $3, 'ADMIN', 'SUCCESS', 'migration spec')`,
    [reservations.REFUNDED, userId, adminId],
  );
  return { userId, adminId, concertId, optionId, reservations };
}

/** Refresh tokens of one family as the previous release wrote them (no family row). */
async function refreshTokens(db: Db, userId: number, family: string, revoked: boolean) {
  await db.query(
    `INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at, spent_at, revoked_at)
     VALUES ($1, $2, repeat('b', 64), now() + interval '1 day', now(), $3),
            ($1, $2, repeat('c', 64), now() + interval '1 day', NULL, $3)`,
    [family, userId, revoked ? new Date() : null],
  );
}

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The spec's table: every migration in migrations/ has an entry (a migration without one fails the
 * spec), saying what to write after its up() and, for a down() that refuses to lose data, how that
 * refusal reads and what an operator removes before reverting.
 */
export const MIGRATION_STEPS: Record<string, StepData> = {
  InitialSchema1764000000000: {
    write: async (db) => void (await writeWorld(db)),
    refusesRevert: {
      message: /InitialSchema1764000000000 cannot be reverted without losing data: \d+ rows in users/,
      clear: async (db) => {
        const tables = (await db.query(
          `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations'`,
        )) as { tablename: string }[];
        await db.query(`TRUNCATE ${tables.map((t) => t.tablename).join(', ')} CASCADE`);
      },
    },
  },
  PendingPaymentsIndex1764000006000: { write: async (db) => void (await writeWorld(db)) },
  OutboxRelayLease1764000008000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(
        `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload, claimed_until)
         VALUES ('SEAT_STATUS', $1, NULL, $2, '{"status":"AVAILABLE"}', now() + interval '5 seconds')`,
        [`${w.optionId}:1`, w.optionId],
      );
    },
  },
  ReconcileIndex1764000010100: { write: async (db) => void (await writeWorld(db)) },
  LeanerWriteIndexes1764000012000: { write: async (db) => void (await writeWorld(db)) },
  OneOutboxRowPerChange1764000013000: {
    write: async (db) => {
      const w = await writeWorld(db);
      // The column form, unpublished and with a seat change: down() must turn it into two payload rows.
      await db.query(
        `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, reservation_id, seat_id, status,
                                    payment_status, hold_expires_at, occurred_at, seat_status)
         SELECT 'RESERVATION_STATUS', option_id || ':' || seat_id, user_id, option_id, id, seat_id, 'EXPIRED',
                NULL, hold_expires_at, now(), 'AVAILABLE'
           FROM reservations WHERE id = $1`,
        [w.reservations.EXPIRED],
      );
    },
  },
  AdminRefundRequests1764000014000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(
        `INSERT INTO admin_refund_requests (reservation_id, request_key, target_user_id, actor_user_id, actor_role,
                                           reason, requested_at)
         VALUES ($1, 'req-1', $2, $3, 'ADMIN', 'spec', now())`,
        [w.reservations.CONFIRMED, w.userId, w.adminId],
      );
    },
    refusesRevert: {
      message:
        /AdminRefundRequests1764000014000 cannot be reverted without losing data: 1 admin refund overrides/,
      clear: (db) => db.query(`DELETE FROM admin_refund_requests`),
    },
  },
  WalletsTable1764000015000: { write: async (db) => void (await writeWorld(db)) },
  SeatSelectionSalesPolicySessions1764000016000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(`UPDATE users SET tier = 'GOLD' WHERE id = $1`, [w.userId]);
      await db.query(
        `INSERT INTO sales_policies (concert_id, presale_start_at, presale_end_at, presale_minimum_tier,
                                     general_sale_start_at, max_reservations_per_user)
         VALUES ($1, now(), now() + interval '1 hour', 'GOLD', now() + interval '2 hours', 4)`,
        [w.concertId],
      );
      await db.query(`INSERT INTO purchase_counts (user_id, concert_id, active) VALUES ($1, $2, 3)`, [
        w.userId,
        w.concertId,
      ]);
      await db.query(`UPDATE reservations SET expiry_warned_at = now() WHERE id = $1`, [w.reservations.HOLD]);
      await db.query(
        `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
         VALUES ('HOLD_EXPIRING', $1, $2, $3, '{"secondsLeft":60}')`,
        [`${w.optionId}:1`, w.userId, w.optionId],
      );
      await refreshTokens(db, w.userId, uuid(1), false);
      await refreshTokens(db, w.userId, uuid(2), true);
    },
    refusesRevert: {
      message:
        /SeatSelectionSalesPolicySessions1764000016000 cannot be reverted without losing data: \d+ sales policies, \d+ users with a tier other than BASIC, \d+ HOLD_EXPIRING outbox rows/,
      clear: async (db) => {
        await db.query(`DELETE FROM sales_policies`);
        await db.query(`UPDATE users SET tier = 'BASIC'`);
        await db.query(`DELETE FROM outbox_events WHERE event_type = 'HOLD_EXPIRING'`);
      },
    },
  },
  WaitingRooms1764000017000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(
        `INSERT INTO waiting_rooms (concert_id, enabled, admission_per_minute, max_active_users, active_ttl_seconds,
                                    opens_at)
         VALUES ($1, true, 60, 100, 300, now())`,
        [w.concertId],
      );
    },
    refusesRevert: {
      message:
        /WaitingRooms1764000017000 cannot be reverted without losing data: 1 waiting room configurations/,
      clear: (db) => db.query(`DELETE FROM waiting_rooms`),
    },
  },
  AdminActions1764000018000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(
        `INSERT INTO admin_actions (actor_user_id, actor_role, action, target_type, target_id, detail)
         VALUES ($1, 'ADMIN', 'CONCERT_CREATED', 'CONCERT', $2, '{"title":"x"}')`,
        [w.adminId, w.concertId],
      );
    },
    refusesRevert: {
      message: /AdminActions1764000018000 cannot be reverted without losing data: 1 admin action audit rows/,
      clear: (db) => db.query(`DELETE FROM admin_actions`),
    },
  },
  AbuseHardening1764000019000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(`UPDATE reservations SET client_ip = '127.0.0.1' WHERE id = $1`, [w.reservations.HOLD]);
      await db.query(
        `INSERT INTO wallet_self_charges (user_id, day, amount) VALUES ($1, current_date, 5000)`,
        [w.userId],
      );
    },
  },
  RefreshTokenFamilies1764000020100: {
    write: async (db) => {
      const w = await writeWorld(db);
      // A family of this release (its row first) and one the previous release started (tokens only).
      await db.query(
        `INSERT INTO refresh_token_families (id, user_id, expires_at, access_expires_at, revoked_at)
         VALUES ($1, $2, now() + interval '1 day', now() + interval '15 minutes', now())`,
        [uuid(3), w.userId],
      );
      await refreshTokens(db, w.userId, uuid(3), false);
      await refreshTokens(db, w.userId, uuid(4), false);
    },
  },
  PriceZones1764000021000: {
    write: async (db) => {
      const w = await writeWorld(db);
      // A zone over two seats, one of them in the "A-1" form (row and number derived), the other not.
      const { id } = await one(
        db,
        `INSERT INTO seat_categories (option_id, name, price_amount, color, position)
         VALUES ($1, 'VIP', 2000, '#aa3366', 0) RETURNING id`,
        [w.optionId],
      );
      await db.query(`INSERT INTO seats (option_id, seat_number) VALUES ($1, 'B-2')`, [w.optionId]);
      await db.query(
        `UPDATE seats SET category_id = $2, price_amount = 2000 WHERE option_id = $1 AND seat_number IN ('B-2', 'A1')`,
        [w.optionId, id],
      );
    },
    refusesRevert: {
      message: /PriceZones1764000021000 cannot be reverted without losing data: 1 price zones/,
      clear: async (db) => {
        await db.query(
          `UPDATE seats SET category_id = NULL, price_amount = NULL WHERE category_id IS NOT NULL`,
        );
        await db.query(`DELETE FROM seat_categories`);
      },
    },
  },
  Orders1764000022000: {
    write: async (db) => {
      // The previous release's writes (no order_id): the triggers make orders of one and follow them.
      const w = await writeWorld(db);
      await db.query(`UPDATE reservations SET status = 'PAYING' WHERE id = $1`, [w.reservations.HOLD]);
      // An order-wide PAYMENT of an order of one (no reservation_id): down() names the item again.
      const [{ order_id: orderOfOne }] = (await db.query(`SELECT order_id FROM reservations WHERE id = $1`, [
        w.reservations.EXPIRED,
      ])) as { order_id: number }[];
      await db.query(
        `INSERT INTO payment_transactions (user_id, order_id, type, status, payment_provider, amount, idempotency_key)
         VALUES ($1, $2, 'PAYMENT', 'FAILED', 'mock', 1000, $3)`,
        [w.userId, orderOfOne, `order-pay-${orderOfOne}`],
      );
      // An order of two seats, paid once, as this release writes it.
      const [{ id: orderId }] = (await db.query(
        `INSERT INTO orders (user_id, concert_id, option_id, status, seat_count, total_amount, adjacent,
                             hold_expires_at, created_at, confirmed_at)
         VALUES ($1, $2, $3, 'CONFIRMED', 2, 2000, true, now(), now(), now()) RETURNING id`,
        [w.userId, w.concertId, w.optionId],
      )) as { id: number }[];
      for (const n of [11, 12]) {
        await db.query(
          `WITH s AS (INSERT INTO seats (option_id, seat_number, status) VALUES ($1, $2, 'RESERVED') RETURNING id)
           INSERT INTO reservations (user_id, seat_id, option_id, concert_id, status, amount, reserved_at,
                                     hold_expires_at, confirmed_at, order_id)
           SELECT $3, s.id, $1, $4, 'CONFIRMED', 1000, now(), now(), now(), $5 FROM s`,
          [w.optionId, `B${n}`, w.userId, w.concertId, orderId],
        );
      }
      await db.query(
        `INSERT INTO payment_transactions (user_id, order_id, type, status, payment_provider, amount, idempotency_key)
         VALUES ($1, $2, 'PAYMENT', 'SUCCESS', 'mock', 2000, $3)`,
        [w.userId, orderId, `order-pay-${orderId}`],
      );
      await db.query(
        `INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, payload)
         VALUES ('ORDER_STATUS', $1, $2, $3, '{"status":"CONFIRMED"}')`,
        [`order:${orderId}`, w.userId, w.optionId],
      );
    },
    refusesRevert: {
      message:
        /Orders1764000022000 cannot be reverted without losing data: \d+ orders of two or more seats.*, \d+ ORDER_STATUS outbox rows/,
      // What an operator does to revert anyway: remove those orders (here: test data) with their rows.
      clear: async (db) => {
        const many = `SELECT id FROM orders WHERE seat_count > 1`;
        await db.query(`DELETE FROM payment_transactions WHERE order_id IN (${many})`);
        await db.query(`DELETE FROM reservations WHERE order_id IN (${many})`);
        await db.query(`DELETE FROM orders WHERE seat_count > 1`);
        await db.query(`DELETE FROM outbox_events WHERE event_type = 'ORDER_STATUS'`);
      },
    },
  },
  ShowCancellation1764000023000: {
    write: async (db) => {
      const w = await writeWorld(db);
      await db.query(`UPDATE concert_options SET cancelled_at = now() WHERE id = $1`, [w.optionId]);
      const { id: runId } = await one(
        db,
        `INSERT INTO cancellation_runs (option_id, concert_id, reason, actor_user_id, created_at)
         VALUES ($1, $2, 'storm', $3, now()) RETURNING id`,
        [w.optionId, w.concertId, w.adminId],
      );
      await db.query(
        `INSERT INTO cancellation_run_orders (run_id, order_id, user_id, amount, seats) VALUES ($1, $2, $3, 1000, 1)`,
        [runId, w.reservations.CONFIRMED, w.userId],
      );
      await db.query(
        `INSERT INTO outbox_events (event_type, partition_key, option_id, payload)
         VALUES ('SHOW_CANCELLED', $1, $2, jsonb_build_object('id', $3::int))`,
        [`cancellation:${runId}`, w.optionId, runId],
      );
    },
    refusesRevert: {
      message:
        /ShowCancellation1764000023000 cannot be reverted without losing data: 1 cancellation runs, 1 SHOW_CANCELLED or CANCELLATION_PROGRESS outbox rows/,
      clear: async (db) => {
        await db.query(`DELETE FROM cancellation_run_orders`);
        await db.query(`DELETE FROM cancellation_runs`);
        await db.query(
          `DELETE FROM outbox_events WHERE event_type IN ('SHOW_CANCELLED', 'CANCELLATION_PROGRESS')`,
        );
      },
    },
  },
  HoldWithoutOrderForeignKey1764000025000: { write: async (db) => void (await writeWorld(db)) },
  OutboundWebhooks1764000024000: {
    write: async (db) => {
      await writeWorld(db);
      const [{ id }] = (await db.query(
        `INSERT INTO webhook_endpoints (url, events, secret_sealed)
         VALUES ('https://crm.example.com/hooks', '{ORDER_CONFIRMED}', 'v1.sealed') RETURNING id`,
      )) as { id: number }[];
      await db.query(
        `INSERT INTO webhook_messages (message_id, endpoint_id, event_type, body, committed_at, next_attempt_at)
         VALUES ($1, $2, 'ORDER_CONFIRMED', '{}', now(), now())`,
        [`msg_${nextTag()}`, id],
      );
    },
    refusesRevert: {
      message: /OutboundWebhooks1764000024000 cannot be reverted without losing data: \d+ webhook endpoints/,
      clear: (db) => db.query(`DELETE FROM webhook_endpoints`),
    },
  },
};
