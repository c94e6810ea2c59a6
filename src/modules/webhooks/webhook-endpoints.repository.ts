import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';

export interface EndpointRow {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  description: string | null;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_secret_until: Date | null;
  created_at: Date;
}

export interface EndpointChanges {
  url?: string;
  events?: string[];
  enabled?: boolean;
  description?: string | null;
}

/** Named queries over webhook_endpoints. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    url: string,
    events: string[],
    description: string | null,
    sealed: string,
  ): Promise<EndpointRow> {
    return (await queryOne<EndpointRow>(
      this.dataSource,
      `INSERT INTO webhook_endpoints (url, events, description, secret_sealed)
       VALUES ($1, $2, $3, $4) RETURNING *`,
      [url, events, description, sealed],
    ))!;
  }

  list(): Promise<EndpointRow[]> {
    return queryRows<EndpointRow>(this.dataSource, `SELECT * FROM webhook_endpoints ORDER BY id`);
  }

  find(id: number): Promise<EndpointRow | undefined> {
    return queryOne<EndpointRow>(this.dataSource, `SELECT * FROM webhook_endpoints WHERE id = $1`, [id]);
  }

  /** Only the fields given change; enabling again clears why it was disabled. */
  update(id: number, changes: EndpointChanges): Promise<EndpointRow | undefined> {
    return queryOne<EndpointRow>(
      this.dataSource,
      `UPDATE webhook_endpoints
          SET url = COALESCE($2, url),
              events = COALESCE($3, events),
              enabled = COALESCE($4, enabled),
              disabled_reason = CASE WHEN $4 IS NULL THEN disabled_reason
                                     WHEN $4 THEN NULL ELSE 'BY_ADMIN' END,
              description = CASE WHEN $5 THEN $6 ELSE description END,
              updated_at = now()
        WHERE id = $1 RETURNING *`,
      [
        id,
        changes.url ?? null,
        changes.events ?? null,
        changes.enabled ?? null,
        changes.description !== undefined,
        changes.description ?? null,
      ],
    );
  }

  async delete(id: number): Promise<boolean> {
    const rows = await queryRows(
      this.dataSource,
      `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** The old secret keeps signing until `previousUntil`; a rotation within the overlap drops the oldest. */
  rotate(id: number, sealed: string, previousUntil: Date): Promise<EndpointRow | undefined> {
    return queryOne<EndpointRow>(
      this.dataSource,
      `UPDATE webhook_endpoints
          SET previous_secret_sealed = secret_sealed, previous_secret_until = $3,
              secret_sealed = $2, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, sealed, previousUntil],
    );
  }

  /** A 410 from the endpoint: no more attempts until an admin enables it again. */
  async disableGone(id: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'GONE', updated_at = now() WHERE id = $1`,
      [id],
    );
  }

  /** Every endpoint's subscriptions, in the fan-out transaction (enabled or not: see fan-out). */
  subscriptions(em: EntityManager): Promise<{ id: number; events: string[] }[]> {
    return queryRows(em, `SELECT id, events FROM webhook_endpoints ORDER BY id`);
  }
}
