import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../../database/sql';
import { seatNumbers } from './seat-numbering';

export interface ConcertRow {
  id: number;
  title: string;
  artistName: string | null;
  totalSeatCount: number;
  availableSeatCount: number;
  /** The last option's show start (null without options): the concert's sale has ended after it. */
  lastShowAt: Date | null;
  /** Every option of the concert is cancelled (false without options). */
  allCancelled: boolean;
}

export interface OptionRow {
  id: number;
  concertId: number;
  concertDate: Date;
  ticketPriceAmount: number;
  totalSeatCount: number;
  availableSeatCount: number;
  /** Over every seat of the option whatever its status: its zone's price, or the show's without a zone. */
  minPriceAmount: number;
  maxPriceAmount: number;
  /** When the show was called off (contract "Show cancellation"); null while it goes ahead. */
  cancelledAt: Date | null;
}

export type SeatStatus = 'AVAILABLE' | 'TEMP_RESERVED' | 'RESERVED';

export interface SeatRow {
  id: number;
  seatNumber: string;
  status: SeatStatus;
  /** "A" and 1 for "A-1" (null for a seat number of another form). */
  row: string | null;
  number: number | null;
  categoryId: number | null;
  /** What a hold of the seat costs now: its zone's price, or the show's without a zone. */
  priceAmount: number;
}

const CONCERT_SELECT = `
  SELECT c.id, c.title, c.artist_name AS "artistName",
         count(s.id)::int AS "totalSeatCount",
         count(s.id) FILTER (WHERE s.status = 'AVAILABLE')::int AS "availableSeatCount",
         max(o.concert_date) AS "lastShowAt",
         coalesce(bool_and(o.cancelled_at IS NOT NULL), false) AS "allCancelled"
    FROM concerts c
    LEFT JOIN concert_options o ON o.concert_id = c.id
    LEFT JOIN seats s ON s.option_id = o.id`;

const OPTION_SELECT = `
  SELECT o.id, o.concert_id AS "concertId", o.concert_date AS "concertDate",
         o.ticket_price_amount AS "ticketPriceAmount", o.cancelled_at AS "cancelledAt",
         count(s.id)::int AS "totalSeatCount",
         count(s.id) FILTER (WHERE s.status = 'AVAILABLE')::int AS "availableSeatCount",
         min(coalesce(s.price_amount, o.ticket_price_amount)) AS "minPriceAmount",
         max(coalesce(s.price_amount, o.ticket_price_amount)) AS "maxPriceAmount"
    FROM concert_options o
    LEFT JOIN seats s ON s.option_id = o.id`;

/** Named catalog queries. Counts are computed from seats, so they can never drift from the truth. */
@Injectable()
export class CatalogRepository {
  constructor(private readonly dataSource: DataSource) {}

  listConcerts(): Promise<ConcertRow[]> {
    return this.dataSource.query(`${CONCERT_SELECT} GROUP BY c.id ORDER BY c.id`);
  }

  async findConcert(
    id: number,
    em: EntityManager = this.dataSource.manager,
  ): Promise<ConcertRow | undefined> {
    const rows: ConcertRow[] = await em.query(`${CONCERT_SELECT} WHERE c.id = $1 GROUP BY c.id`, [id]);
    return rows[0];
  }

  listOptions(concertId: number): Promise<OptionRow[]> {
    return this.dataSource.query(
      `${OPTION_SELECT} WHERE o.concert_id = $1 GROUP BY o.id ORDER BY o.concert_date, o.id`,
      [concertId],
    );
  }

  async findOption(id: number, em: EntityManager = this.dataSource.manager): Promise<OptionRow | undefined> {
    const rows: OptionRow[] = await em.query(`${OPTION_SELECT} WHERE o.id = $1 GROUP BY o.id`, [id]);
    return rows[0];
  }

  async optionExists(id: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM concert_options WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /**
   * Marks the show cancelled, once: the conditional update decides between simultaneous calls (the second
   * waits for the first's row lock, then finds the marker set and gets undefined). Runs in the caller's
   * transaction, which creates the cancellation run beside it. `allCancelled`: no show of the concert is
   * left (another option cancelled at the same moment may be missed; its own call sees this one).
   */
  async markOptionCancelled(
    em: EntityManager,
    optionId: number,
    at: Date,
  ): Promise<{ concertId: number; allCancelled: boolean } | undefined> {
    const rows = await queryRows<{ concertId: number; allCancelled: boolean }>(
      em,
      `UPDATE concert_options o SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL
       RETURNING concert_id AS "concertId",
                 NOT EXISTS (SELECT 1 FROM concert_options x
                              WHERE x.concert_id = o.concert_id AND x.id <> o.id AND x.cancelled_at IS NULL)
                   AS "allCancelled"`,
      [optionId, at],
    );
    return rows[0];
  }

  /** Shows cancelled at `since` or later, by id. */
  async optionsCancelledSince(since: Date): Promise<number[]> {
    const rows = await queryRows<{ id: number }>(
      this.dataSource,
      `SELECT id FROM concert_options WHERE cancelled_at >= $1 ORDER BY id`,
      [since],
    );
    return rows.map((r) => r.id);
  }

  listSeats(optionId: number, onlyAvailable: boolean): Promise<SeatRow[]> {
    return this.dataSource.query(
      `SELECT s.id, s.seat_number AS "seatNumber", s.status, s.row_label AS row, s.number_in_row AS number,
              s.category_id AS "categoryId", coalesce(s.price_amount, o.ticket_price_amount) AS "priceAmount"
         FROM seats s JOIN concert_options o ON o.id = s.option_id
        WHERE s.option_id = $1 ${onlyAvailable ? `AND s.status = 'AVAILABLE'` : ''} ORDER BY s.id`,
      [optionId],
    );
  }

  async insertConcert(title: string, artistName: string | null, em: EntityManager): Promise<number> {
    const rows: { id: number }[] = await em.query(
      'INSERT INTO concerts (title, artist_name) VALUES ($1, $2) RETURNING id',
      [title, artistName],
    );
    return rows[0].id;
  }

  /** Inserts the option and all its seats in one statement each (up to 5000 seats). */
  async insertOptionWithSeats(
    concertId: number,
    concertDate: Date,
    ticketPriceAmount: number,
    seatCount: number,
    em: EntityManager,
  ): Promise<number> {
    const rows: { id: number }[] = await em.query(
      `INSERT INTO concert_options (concert_id, concert_date, ticket_price_amount) VALUES ($1, $2, $3) RETURNING id`,
      [concertId, concertDate, ticketPriceAmount],
    );
    const optionId = rows[0].id;
    await em.query(`INSERT INTO seats (option_id, seat_number) SELECT $1, unnest($2::text[])`, [
      optionId,
      seatNumbers(seatCount),
    ]);
    return optionId;
  }
}
