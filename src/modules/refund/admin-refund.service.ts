import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { hasRole, Principal } from '../auth/principal';
import { PaymentReconciler } from '../payment/reconcile/payment-reconciler.service';
import { ReservationLifecycleService } from '../reservation/reservation-lifecycle.service';
import { AuditEntry, AuditFilter, AuditLogRepository, AuditResult } from './audit-log.repository';
import type { OverrideRequest } from './dto/admin-refund.dto';
import { RefundService } from './refund.service';

export const AUDIT_LIST_DEFAULT_LIMIT = 50;
export const AUDIT_LIST_MAX_LIMIT = 200;

/**
 * The admin refund override. Every authenticated call leaves exactly one audit row once the outcome is
 * known. SUCCESS is written in the transaction that records the refund's SUCCESS, so it commits exactly
 * when the refund does; DENIED and FAILED in a transaction of their own, so no rollback of the refund's
 * transactions can take them away. A call that dies (or fails unexpectedly) after recording its PENDING
 * refund leaves a request row, and the reconciler's outcome for that refund becomes one more audit row
 * with the same actor and reason.
 */
@Injectable()
export class AdminRefundService implements OnModuleInit {
  private readonly logger = new Logger(AdminRefundService.name);

  constructor(
    private readonly refunds: RefundService,
    private readonly lifecycle: ReservationLifecycleService,
    private readonly audit: AuditLogRepository,
    private readonly reconciler: PaymentReconciler,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * An override whose process died after recording its PENDING refund left a request row and no audit
   * row; the reconciler finishes the refund, and the request row becomes the audit row then (for a
   * SUCCESS, in the same transaction as the refund).
   */
  onModuleInit(): void {
    this.reconciler.onResumedRefund(async (em, reservationId, result, detail) => {
      const message = `Finished by the payment reconciler after the override's request was interrupted: ${detail}`;
      await this.audit.closeRequest(em, reservationId, result, message, this.clock.now());
    });
  }

  async override(caller: Principal, request: OverrideRequest) {
    // The owner, for the audit row only: never returned to a caller who may not see it.
    const target = request.id === undefined ? undefined : await this.lifecycle.view(request.id);
    const owner = target?.userId;
    const entry = () => ({
      reservationId: request.id ?? null,
      targetUserId: owner ?? null,
      actorUserId: caller.userId,
      actorRole: caller.role,
      reason: request.reason ?? null,
      occurredAt: this.clock.now(),
    });
    // Names this call's request row, which its own audit row closes (see AuditLogRepository.openRequest).
    const requestKey = randomUUID();
    const write = (result: AuditResult, detailMessage: string) =>
      this.record({ ...entry(), result, detailMessage }, requestKey);

    // The role check lives here, not in the global guard, because the refusal itself must be recorded.
    if (!hasRole(caller, 'ADMIN')) {
      await write('DENIED', `FORBIDDEN: role ${caller.role} may not override refunds (ADMIN required)`);
      throw new DomainError('FORBIDDEN', 'Role ADMIN required');
    }

    try {
      if (request.invalid) throw request.invalid;
      const id = request.id!;
      const refunded = `Refunded ${target?.amount} KRW to user ${owner} (override of the cutoff)`;
      let audited = false;
      const view = await this.refunds.refundAsAdmin(id, {
        noteRequest: (em) => this.audit.openRequest(em, requestKey, entry()),
        // The SUCCESS row commits with the refund itself: neither can exist without the other.
        onRefunded: async (em) => {
          audited = !!(await this.audit.closeRequest(
            em,
            id,
            'SUCCESS',
            refunded,
            this.clock.now(),
            requestKey,
          ));
        },
      });
      if (!audited) await write('SUCCESS', refunded); // our note was gone: still one row for this call
      return view;
    } catch (err) {
      // If this left the refund PENDING, the request row stays open (see AuditLogRepository.record) and
      // the reconciler's outcome is audited as well.
      await write('FAILED', describe(err));
      throw err;
    }
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
  private async record(entry: AuditEntry, requestKey: string): Promise<void> {
    try {
      await this.audit.record(entry, requestKey);
    } catch (err) {
      this.logger.error({ entry, err: String(err) }, 'admin refund audit row could not be written');
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof DomainError) return `${err.code}: ${err.message}`;
  return `INTERNAL_ERROR: ${err instanceof Error ? err.message : String(err)}`;
}
