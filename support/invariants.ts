import { DataSource } from 'typeorm';

/**
 * The contract's money and seat invariants over the whole database, as a list of violations (empty when
 * all hold), so a failing spec or the soak run says what broke:
 * - no seat with two active reservations, and every seat's status matches its active reservation;
 * - per order (contract "Orders"), SUCCESS PAYMENT − SUCCESS REFUND is the sum of its CONFIRMED items'
 *   amounts (for an order of one: the reservation's amount if CONFIRMED, else 0);
 * - at most one SUCCESS PAYMENT per order and one SUCCESS REFUND per item (nobody charged twice);
 * - every order matches its items: as many as its seat count, its total their sum, one owner, option and
 *   deadline, and its status the one its items' statuses imply;
 * - every purchase count (the per-user limit's counter) equals the user's HOLD + PAYING + CONFIRMED
 *   reservations on the concert;
 * - with the wallet provider (`walletInitial` given): every balance = initial + charges − payments +
 *   refunds, and never below zero.
 */
export async function moneyAndSeatProblems(ds: DataSource, walletInitial?: number): Promise<string[]> {
  const problems: string[] = [];
  const add = (what: string, rows: unknown[]) => {
    if (rows.length) problems.push(`${what}: ${JSON.stringify(rows.slice(0, 5))} (${rows.length})`);
  };
  add(
    'seat with two active reservations',
    await ds.query(`SELECT seat_id FROM reservations WHERE status IN ('HOLD','PAYING','CONFIRMED')
                     GROUP BY seat_id HAVING count(*) > 1`),
  );
  add(
    'seat status differs from its reservation',
    await ds.query(`SELECT s.id, s.status, r.status AS reservation FROM seats s
                      LEFT JOIN reservations r ON r.seat_id = s.id AND r.status IN ('HOLD','PAYING','CONFIRMED')
                     WHERE s.status <> CASE WHEN r.status IS NULL THEN 'AVAILABLE'
                                            WHEN r.status = 'CONFIRMED' THEN 'RESERVED' ELSE 'TEMP_RESERVED' END`),
  );
  add(
    'ledger not balanced',
    await ds.query(`SELECT o.id, o.status, COALESCE(c.confirmed, 0)::int AS confirmed, COALESCE(x.net, 0)::int AS net
                      FROM orders o LEFT JOIN (
                        SELECT order_id, sum(CASE WHEN type = 'PAYMENT' THEN amount ELSE -amount END) AS net
                          FROM payment_transactions
                         WHERE status = 'SUCCESS' AND type IN ('PAYMENT', 'REFUND') AND order_id IS NOT NULL
                         GROUP BY 1) x ON x.order_id = o.id
                      LEFT JOIN (SELECT order_id, sum(amount) AS confirmed FROM reservations
                                  WHERE status = 'CONFIRMED' GROUP BY 1) c ON c.order_id = o.id
                     WHERE COALESCE(x.net, 0) <> COALESCE(c.confirmed, 0)`),
  );
  add(
    'charged or refunded twice',
    await ds.query(`SELECT order_id, reservation_id, type, count(*)::int AS n FROM payment_transactions
                     WHERE status = 'SUCCESS' AND type = 'PAYMENT' AND order_id IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) > 1
                    UNION ALL
                    SELECT NULL, reservation_id, type, count(*)::int FROM payment_transactions
                     WHERE status = 'SUCCESS' AND type = 'REFUND' GROUP BY 2, 3 HAVING count(*) > 1`),
  );
  add(
    'purchase count differs from the reservations it counts',
    await ds.query(`SELECT coalesce(c.user_id, r.user_id) AS user_id, coalesce(c.concert_id, r.concert_id) AS concert_id,
                           coalesce(c.active, 0) AS counted, coalesce(r.n, 0)::int AS actual
                      FROM purchase_counts c FULL JOIN (
                        SELECT user_id, concert_id, count(*) AS n FROM reservations
                         WHERE status IN ('HOLD','PAYING','CONFIRMED') GROUP BY 1, 2) r
                        ON r.user_id = c.user_id AND r.concert_id = c.concert_id
                     WHERE coalesce(c.active, 0) <> coalesce(r.n, 0)`),
  );
  add(
    'reservation whose order does not exist (no foreign key keeps this: migration HoldWithoutOrderForeignKey)',
    await ds.query(`SELECT r.id, r.order_id FROM reservations r
                     WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = r.order_id)`),
  );
  add(
    'order differs from its items (size, total, owner, option, deadline, status)',
    await ds.query(`SELECT o.id, o.status, o.seat_count, o.total_amount::int AS total, i.n, i.sum::int AS sum, i.statuses
                      FROM orders o JOIN (
                        SELECT r.order_id, count(*)::int AS n, sum(r.amount) AS sum,
                               bool_and(r.user_id = o2.user_id AND r.option_id = o2.option_id
                                        AND r.hold_expires_at = o2.hold_expires_at) AS same,
                               array_agg(DISTINCT r.status ORDER BY r.status) AS statuses
                          FROM reservations r JOIN orders o2 ON o2.id = r.order_id GROUP BY r.order_id) i
                        ON i.order_id = o.id
                     WHERE o.seat_count <> i.n OR o.total_amount <> i.sum OR NOT i.same
                        OR o.status <> CASE
                             WHEN i.statuses = '{CONFIRMED}' THEN 'CONFIRMED'
                             WHEN i.statuses = '{CONFIRMED,REFUNDED}' THEN 'PARTIALLY_REFUNDED'
                             WHEN i.statuses IN ('{REFUNDED}', '{EXPIRED}', '{CANCELLED}', '{HOLD}', '{PAYING}')
                               THEN i.statuses[1]
                             WHEN i.statuses = '{HOLD,PAYING}' THEN 'PAYING'
                             ELSE 'mixed' END`),
  );
  if (walletInitial !== undefined) {
    add(
      'wallet balance differs from its ledger, or is negative',
      await ds.query(
        `SELECT w.user_id AS id, w.balance_amount::int AS balance, ($1 + COALESCE(sum(CASE
                  WHEN p.type = 'PAYMENT' THEN -p.amount ELSE p.amount END), 0))::int AS expected
           FROM wallets w LEFT JOIN payment_transactions p ON p.user_id = w.user_id AND p.status = 'SUCCESS'
          GROUP BY w.user_id HAVING w.balance_amount < 0
              OR w.balance_amount <> $1 + COALESCE(sum(CASE WHEN p.type = 'PAYMENT' THEN -p.amount
                                                             ELSE p.amount END), 0)`,
        [walletInitial],
      ),
    );
  }
  return problems;
}
