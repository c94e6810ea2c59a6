import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../common/auth/principal';
import { queryRows } from '../../database/sql';

export type AdminAction =
  | 'CONCERT_CREATED'
  | 'OPTION_CREATED'
  | 'SALES_POLICY_SET'
  | 'WAITING_ROOM_SET'
  | 'USER_TIER_SET'
  | 'WALLET_CREDITED'
  | 'ZONES_SET';

export const ADMIN_ACTIONS: AdminAction[] = [
  'CONCERT_CREATED',
  'OPTION_CREATED',
  'SALES_POLICY_SET',
  'WAITING_ROOM_SET',
  'USER_TIER_SET',
  'WALLET_CREDITED',
  'ZONES_SET',
];

export interface AdminActionEntry {
  action: AdminAction;
  targetType: 'CONCERT' | 'OPTION' | 'USER';
  targetId: number;
  /** What the change set, as the admin sent it. */
  detail: object;
}

export interface AdminActionFilter {
  actorUserId?: number;
  action?: AdminAction;
  targetType?: string;
  targetId?: number;
  limit: number;
}

/**
 * admin_actions: who changed what through the admin API. A row is written with the caller's
 * EntityManager, inside the change's transaction, so a change and its record commit together.
 */
@Injectable()
export class AdminActions {
  constructor(private readonly dataSource: DataSource) {}

  async record(em: EntityManager, actor: Principal, entry: AdminActionEntry): Promise<void> {
    await em.query(
      `INSERT INTO admin_actions (actor_user_id, actor_role, action, target_type, target_id, detail)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        actor.userId,
        actor.role,
        entry.action,
        entry.targetType,
        entry.targetId,
        JSON.stringify(entry.detail),
      ],
    );
  }

  /** Newest first. */
  list(filter: AdminActionFilter) {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (column: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    add('actor_user_id', filter.actorUserId);
    add('action', filter.action);
    add('target_type', filter.targetType);
    add('target_id', filter.targetId);
    params.push(filter.limit);
    return queryRows(
      this.dataSource,
      `SELECT id, actor_user_id AS "actorUserId", actor_role AS "actorRole", action,
              target_type AS "targetType", target_id AS "targetId", detail, occurred_at AS "occurredAt"
         FROM admin_actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }
}
