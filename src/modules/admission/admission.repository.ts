import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryOne } from '../../database/sql';
import type { SalesPolicy, Tier } from './sales-policy/sales-policy';

/** What decides whether a user may take a seat: the seat, its show, the policy, the user's tier and count. */
export interface Eligibility {
  seatId: number;
  seatStatus: string;
  optionId: number;
  concertId: number;
  concertDate: Date;
  /** The show was called off (concert_options.cancelled_at is set). */
  showCancelled: boolean;
  /** null when the user row is gone (a correctly signed token of a deleted user). */
  tier: Tier | null;
  /** The user's HOLD + PAYING + CONFIRMED reservations on the concert (purchase_counts). */
  active: number;
  policy?: SalesPolicy;
}

/**
 * The admission module's queries. It reads the seat, show, user and purchase count tables that other
 * modules write (purchase_counts is kept by the reservation statements), and writes seat-selection
 * events to the outbox so they reach every instance in order with the seat's other events.
 */
@Injectable()
export class AdmissionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async eligibility(userId: number, seatId: number): Promise<Eligibility | undefined> {
    const row = await queryOne<
      Omit<Eligibility, 'policy'> & Partial<SalesPolicy> & { generalSaleStartAt: Date | null }
    >(
      this.dataSource,
      `SELECT s.id AS "seatId", s.status AS "seatStatus", s.option_id AS "optionId", o.concert_id AS "concertId",
              o.concert_date AS "concertDate", o.cancelled_at IS NOT NULL AS "showCancelled", u.tier, coalesce(pc.active, 0) AS active,
              p.presale_start_at AS "presaleStartAt", p.presale_end_at AS "presaleEndAt",
              p.presale_minimum_tier AS "presaleMinimumTier", p.general_sale_start_at AS "generalSaleStartAt",
              p.max_reservations_per_user AS "maxReservationsPerUser"
         FROM seats s
         JOIN concert_options o ON o.id = s.option_id
         LEFT JOIN users u ON u.id = $1
         LEFT JOIN sales_policies p ON p.concert_id = o.concert_id
         LEFT JOIN purchase_counts pc ON pc.user_id = $1 AND pc.concert_id = o.concert_id
        WHERE s.id = $2`,
      [userId, seatId],
    );
    if (!row) return undefined;
    const {
      presaleStartAt,
      presaleEndAt,
      presaleMinimumTier,
      generalSaleStartAt,
      maxReservationsPerUser,
      ...rest
    } = row;
    const policy =
      generalSaleStartAt === null
        ? undefined
        : {
            concertId: row.concertId,
            presaleStartAt: presaleStartAt ?? null,
            presaleEndAt: presaleEndAt ?? null,
            presaleMinimumTier: presaleMinimumTier ?? null,
            generalSaleStartAt,
            maxReservationsPerUser: maxReservationsPerUser!,
          };
    return { ...rest, policy };
  }

  /**
   * SEAT_STATUS events for seats whose selection changed: `status` (SELECTING), or null for each seat's
   * current status (a lock that ended shows the seat as it now is: AVAILABLE, or held meanwhile).
   */
  async seatEvents(seatIds: number[], status: 'SELECTING' | null, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO outbox_events (event_type, partition_key, option_id, payload)
       SELECT 'SEAT_STATUS', s.option_id || ':' || s.id, s.option_id,
              jsonb_build_object('optionId', s.option_id, 'seatId', s.id, 'status', coalesce($2::text, s.status),
                                 'occurredAt', iso_utc($3))
         FROM seats s WHERE s.id = ANY($1) ORDER BY s.id`,
      [seatIds, status, at],
    );
  }
}
