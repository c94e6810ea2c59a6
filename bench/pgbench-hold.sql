-- The hold transaction as pgbench runs it: the ceiling the service's POST /holds is compared with.
-- Same tables, indexes and rows written as the service's one-statement hold (seat claimed, HOLD inserted,
-- one outbox row holding the change and the seat's new status in columns), done the classic way:
-- lock the seat, update, insert.
-- Seats come from a sequence over pgbench's own option, so every transaction claims a distinct seat,
-- as every service request does. bench/support/pgbench.ts sets :user_first/:user_last and the sequence.
\set user_id random(:user_first, :user_last)
BEGIN;
SELECT s.id AS seat_id, (s.status = 'AVAILABLE')::int AS free
  FROM seats s WHERE s.id = (SELECT nextval('bench_pgbench_seat_seq')) FOR UPDATE \gset
\if :free
UPDATE seats SET status = 'TEMP_RESERVED', updated_at = now() WHERE id = :seat_id;
WITH r AS (
  INSERT INTO reservations
    (user_id, seat_id, option_id, concert_id, status, amount, reserved_at, hold_expires_at, updated_at)
  SELECT :user_id, s.id, s.option_id, o.concert_id, 'HOLD', o.ticket_price_amount,
         now(), now() + interval '300 seconds', now()
    FROM seats s JOIN concert_options o ON o.id = s.option_id WHERE s.id = :seat_id
  RETURNING *
)
INSERT INTO outbox_events (event_type, partition_key, user_id, option_id, seat_status, reservation_id,
                           seat_id, status, payment_status, hold_expires_at, occurred_at)
SELECT 'RESERVATION_STATUS', r.option_id || ':' || r.seat_id, r.user_id, r.option_id, 'TEMP_RESERVED',
       r.id, r.seat_id, r.status,
       (SELECT pt.status FROM payment_transactions pt
         WHERE pt.reservation_id = r.id AND pt.type = 'PAYMENT' ORDER BY pt.id DESC LIMIT 1),
       r.hold_expires_at, now()
  FROM r;
\endif
END;
