import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { hasRole, Principal } from '../auth/principal';
import { ReservationLifecycleService } from '../reservation/reservation-lifecycle.service';
import { AuditEntry, AuditFilter, AuditLogRepository, AuditResult } from './audit-log.repository';
import type { OverrideRequest } from './dto/admin-refund.dto';
import { RefundService } from './refund.service';

export const AUDIT_LIST_DEFAULT_LIMIT = 50;
export const AUDIT_LIST_MAX_LIMIT = 200;

/**
 * The admin refund override. Every authenticated call leaves exactly one audit row — SUCCESS, DENIED or
 * FAILED — written in its own transaction once the outcome is known, so the row never claims more than
 * happened and no rollback of the refund's transactions can take it away.
 */
@Injectable()
export class AdminRefundService {
  private readonly logger = new Logger(AdminRefundService.name);

  constructor(
    private readonly refunds: RefundService,
    private readonly lifecycle: ReservationLifecycleService,
    private readonly audit: AuditLogRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async override(caller: Principal, request: OverrideRequest) {
    // The owner, for the audit row only: never returned to a caller who may not see it.
    const owner = request.id === undefined ? undefined : (await this.lifecycle.view(request.id))?.userId;
    const write = (result: AuditResult, detailMessage: string) =>
      this.record({
        reservationId: request.id ?? null,
        targetUserId: owner ?? null,
        actorUserId: caller.userId,
        actorRole: caller.role,
        result,
        reason: request.reason ?? null,
        detailMessage,
        occurredAt: this.clock.now(),
      });

    // The role check lives here, not in the global guard, because the refusal itself must be recorded.
    if (!hasRole(caller, 'ADMIN')) {
      await write('DENIED', `FORBIDDEN: role ${caller.role} may not override refunds (ADMIN required)`);
      throw new DomainError('FORBIDDEN', 'Role ADMIN required');
    }

    let view;
    try {
      if (request.invalid) throw request.invalid;
      view = await this.refunds.refundAsAdmin(request.id!);
    } catch (err) {
      await write('FAILED', describe(err));
      throw err;
    }
    await write('SUCCESS', `Refunded ${view.amount} KRW to user ${view.userId} (override of the cutoff)`);
    return view;
  }

  list(filter: Omit<AuditFilter, 'limit'> & { limit?: number }) {
    if (filter.fromAt && filter.toAt && filter.fromAt > filter.toAt) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        'fromAt must not be after toAt',
      ]);
    }
    const limit = Math.min(filter.limit ?? AUDIT_LIST_DEFAULT_LIMIT, AUDIT_LIST_MAX_LIMIT);
    return this.audit.list({ ...filter, limit });
  }

  /**
   * A failed audit write must not change the answer: the refund (or refusal) has already happened.
   * It is logged with the whole entry so an operator can restore it.
   */
  private async record(entry: AuditEntry): Promise<void> {
    try {
      await this.audit.record(entry);
    } catch (err) {
      this.logger.error({ entry, err: String(err) }, 'admin refund audit row could not be written');
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof DomainError) return `${err.code}: ${err.message}`;
  return `INTERNAL_ERROR: ${err instanceof Error ? err.message : String(err)}`;
}
