import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { errorBody } from '../../common/errors/error-body';
import { ERROR_STATUS } from '../../common/errors/error-codes';
import { queryOne } from '../../database/sql';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** Records are honoured for at least this long (the contract says 24 h). */
const RETENTION_MS = 24 * 3600 * 1000;
const IN_PROGRESS_WAIT_MS = 5000;

export function requestHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The `Idempotency-Key` header: the first request with a key runs and its response (2xx or 4xx) is stored;
 * a repeat with the same request replays it, a repeat with another request is 422 IDEMPOTENCY_KEY_REUSED.
 * 5xx answers are not stored, so the client may retry them with the same key.
 */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

@Injectable()
export class IdempotencyService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A handler's work under an optional `Idempotency-Key` header (absent: it just runs): `request` names
   * what makes two calls the same request; `setStatus` gets a replayed answer's status.
   */
  async handle<T>(
    a: { userId: number; scope: string; key: string | undefined; request: unknown; status: number },
    work: () => Promise<T>,
    setStatus: (status: number) => void,
  ): Promise<T> {
    if (a.key === undefined) return work();
    if (!IDEMPOTENCY_KEY.test(a.key)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1-200 characters of [A-Za-z0-9._:-]',
      );
    }
    const response = await this.run(a.userId, a.scope, a.key, requestHash(a.request), async () => ({
      status: a.status,
      body: await work(),
    }));
    setStatus(response.status);
    return response.body as T;
  }

  async run(
    userId: number,
    scope: string,
    key: string,
    hash: string,
    work: () => Promise<StoredResponse>,
  ): Promise<StoredResponse> {
    const replay = await this.claimOrReplay(userId, scope, key, hash);
    if (replay) return replay;
    let response: StoredResponse;
    try {
      response = await work();
    } catch (err) {
      if (err instanceof DomainError && ERROR_STATUS[err.code] < 500) {
        await this.store(userId, scope, key, {
          status: ERROR_STATUS[err.code],
          body: errorBody(err.code, err.message, err.details),
        });
      } else {
        await this.release(userId, scope, key);
      }
      throw err;
    }
    await this.store(userId, scope, key, response);
    return response;
  }

  private async claimOrReplay(userId: number, scope: string, key: string, hash: string) {
    const deadline = Date.now() + IN_PROGRESS_WAIT_MS;
    for (;;) {
      const claimed = await queryOne(
        this.dataSource,
        `INSERT INTO idempotency_records (user_id, scope, idempotency_key, request_hash)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
        [userId, scope, key, hash],
      );
      if (claimed) return undefined;
      const existing = await queryOne<{
        hash: string;
        status: number | null;
        body: unknown;
        createdAt: Date;
      }>(
        this.dataSource,
        `SELECT request_hash AS hash, response_status AS status, response_body AS body, created_at AS "createdAt"
           FROM idempotency_records WHERE user_id = $1 AND scope = $2 AND idempotency_key = $3`,
        [userId, scope, key],
      );
      if (!existing) continue; // released between our two statements: claim again
      if (Date.now() - existing.createdAt.getTime() > RETENTION_MS) {
        await this.release(userId, scope, key);
        continue;
      }
      if (existing.hash !== hash) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          'This Idempotency-Key was used for a different request',
        );
      }
      if (existing.status !== null) return { status: existing.status, body: existing.body };
      if (Date.now() > deadline) {
        throw new DomainError(
          'INVALID_STATE_TRANSITION',
          'A request with this Idempotency-Key is still in progress',
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async store(userId: number, scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_records SET response_status = $4, response_body = $5::jsonb
        WHERE user_id = $1 AND scope = $2 AND idempotency_key = $3`,
      [userId, scope, key, response.status, JSON.stringify(response.body)],
    );
  }

  private async release(userId: number, scope: string, key: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_records WHERE user_id = $1 AND scope = $2 AND idempotency_key = $3',
      [userId, scope, key],
    );
  }
}
