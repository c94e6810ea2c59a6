import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../../database/sql';
import { SalesPolicy } from './sales-policy';

const COLUMNS = `
  concert_id AS "concertId", presale_start_at AS "presaleStartAt", presale_end_at AS "presaleEndAt",
  presale_minimum_tier AS "presaleMinimumTier", general_sale_start_at AS "generalSaleStartAt",
  max_reservations_per_user AS "maxReservationsPerUser"`;

/** sales_policies: at most one per concert, read fresh on every request (changes apply at once). */
@Injectable()
export class SalesPolicyRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(concertId: number): Promise<SalesPolicy | undefined> {
    return queryOne(this.dataSource, `SELECT ${COLUMNS} FROM sales_policies WHERE concert_id = $1`, [
      concertId,
    ]);
  }

  findMany(concertIds: number[]): Promise<SalesPolicy[]> {
    return queryRows(this.dataSource, `SELECT ${COLUMNS} FROM sales_policies WHERE concert_id = ANY($1)`, [
      concertIds,
    ]);
  }

  /** Creates or replaces the concert's policy; undefined when the concert does not exist. */
  upsert(p: SalesPolicy, em: EntityManager): Promise<SalesPolicy | undefined> {
    return queryOne(
      em,
      `INSERT INTO sales_policies (concert_id, presale_start_at, presale_end_at, presale_minimum_tier,
                                   general_sale_start_at, max_reservations_per_user)
       SELECT id, $2, $3, $4, $5, $6 FROM concerts WHERE id = $1
       ON CONFLICT (concert_id) DO UPDATE SET presale_start_at = $2, presale_end_at = $3,
         presale_minimum_tier = $4, general_sale_start_at = $5, max_reservations_per_user = $6, updated_at = now()
       RETURNING ${COLUMNS}`,
      [
        p.concertId,
        p.presaleStartAt,
        p.presaleEndAt,
        p.presaleMinimumTier,
        p.generalSaleStartAt,
        p.maxReservationsPerUser,
      ],
    );
  }
}
