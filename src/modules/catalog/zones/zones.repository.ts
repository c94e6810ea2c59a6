import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
import type { LayoutSeat, ResolvedZone } from './zone-layout';

export interface ZoneRow {
  id: number;
  optionId: number;
  name: string;
  priceAmount: number;
  color: string | null;
  seatCount: number;
  availableSeatCount: number;
}

/** Named queries of the zone layout (seat_categories, and the seats' category_id and price_amount). */
@Injectable()
export class ZonesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Whether the option exists; with `lock`, also locks it for the rest of the transaction, so two layouts
   * of one option are written one after the other. NO KEY UPDATE: holds (whose reservations reference the
   * option) do not wait for it.
   */
  async lockOption(em: EntityManager, optionId: number, lock: boolean): Promise<boolean> {
    const row = await queryOne(
      em,
      `SELECT id FROM concert_options WHERE id = $1 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
      [optionId],
    );
    return row !== undefined;
  }

  layoutSeats(em: EntityManager, optionId: number): Promise<LayoutSeat[]> {
    return queryRows<LayoutSeat>(
      em,
      `SELECT id, seat_number AS "seatNumber", row_label AS row FROM seats WHERE option_id = $1`,
      [optionId],
    );
  }

  /**
   * Writes the layout: zones upserted by name (whatever its case, so a zone whose name stays keeps its
   * id), every seat of the option given its zone and price (NULL for no zone), then the zones no longer in
   * the layout deleted. Only seats whose zone or price changes are written, locked first in id order as
   * the hold statement locks them, so a hold and a layout wait for each other instead of deadlocking.
   */
  async replace(em: EntityManager, optionId: number, zones: ResolvedZone[]): Promise<void> {
    const saved = await queryRows<{ id: number; position: number }>(
      em,
      `INSERT INTO seat_categories AS c (option_id, name, price_amount, color, position)
       SELECT $1, * FROM unnest($2::varchar[], $3::bigint[], $4::char(7)[], $5::smallint[])
       ON CONFLICT (option_id, lower(name)) DO UPDATE
         SET name = EXCLUDED.name, price_amount = EXCLUDED.price_amount, color = EXCLUDED.color,
             position = EXCLUDED.position, updated_at = now()
       RETURNING c.id, c.position`,
      [
        optionId,
        zones.map((z) => z.name),
        zones.map((z) => z.priceAmount),
        zones.map((z) => z.color),
        zones.map((z) => z.position),
      ],
    );
    const idAt = new Map(saved.map((z) => [z.position, z.id]));
    const seatIds = zones.flatMap((z) => z.seatIds);
    const categoryIds = zones.flatMap((z) => z.seatIds.map(() => idAt.get(z.position)!));
    const prices = zones.flatMap((z) => z.seatIds.map(() => z.priceAmount));
    await em.query(
      `WITH target AS (
         SELECT s.id, t.category_id, t.price_amount
           FROM seats s
           LEFT JOIN unnest($2::int[], $3::int[], $4::bigint[]) AS t(seat_id, category_id, price_amount)
                  ON t.seat_id = s.id
          WHERE s.option_id = $1
       ), changed AS MATERIALIZED (
         SELECT s.id FROM seats s JOIN target t ON t.id = s.id
          WHERE s.category_id IS DISTINCT FROM t.category_id OR s.price_amount IS DISTINCT FROM t.price_amount
          ORDER BY s.id FOR UPDATE OF s
       )
       UPDATE seats s SET category_id = t.category_id, price_amount = t.price_amount
         FROM target t WHERE t.id = s.id AND s.id IN (SELECT id FROM changed)`,
      [optionId, seatIds, categoryIds, prices],
    );
    await em.query(`DELETE FROM seat_categories WHERE option_id = $1 AND NOT (id = ANY($2::int[]))`, [
      optionId,
      saved.map((z) => z.id),
    ]);
  }

  /**
   * The option's zones in the admin's order, with their seats counted: `availableSeatCount` counts what
   * /seats lists (AVAILABLE and not in `selecting`, the seats under a live soft lock).
   */
  list(optionId: number, selecting: number[], em: EntityManager = this.dataSource.manager) {
    return queryRows<ZoneRow>(
      em,
      `SELECT c.id, c.option_id AS "optionId", c.name, c.price_amount AS "priceAmount", c.color,
              count(s.id)::int AS "seatCount",
              count(s.id) FILTER (WHERE s.status = 'AVAILABLE' AND NOT (s.id = ANY($2::int[])))::int
                AS "availableSeatCount"
         FROM seat_categories c LEFT JOIN seats s ON s.category_id = c.id
        WHERE c.option_id = $1
        GROUP BY c.id ORDER BY c.position`,
      [optionId, selecting],
    );
  }
}
