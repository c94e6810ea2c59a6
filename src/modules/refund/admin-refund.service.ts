import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { hasRole, Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { RefundPayments, RefundResumed } from '../checkout/refund-payments.service';
import { ReservationTransitions } from '../reservation/reservation-transitions.service';
import { AuditEntry, AuditFilter, AuditLogRepository, AuditResult } from './audit-log.repository';
import type { OverrideRequest } from './dto/admin-refund.dto';

export const AUDIT_LIST_DEFAULT_LIMIT = 50;
export const AUDIT_LIST_MAX_LIMIT = 200;

/**
 * The admin refund override. Every authenticated call leaves exactly one audit row once its outcome is
 * known: SUCCESS in the transaction that records the refund's SUCCESS (so it commits exactly when the
 * refund does); DENIED and FAILED in a transaction of their own, so no rollback can take them away.
 * A call that dies after recording its PENDING refund leaves a note (admin_refund_requests); when the
 * reconciler finishes that refund, the note becomes an audit row with the same actor and reason.
 */
@Injectable()
export class AdminRefundService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminRefundService.name);

  constructor(
    private readonly transitions: ReservationTransitions,
    private readonly payments: RefundPayments,
    private readonly audit: AuditLogRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async override(caller: Principal, request: OverrideRequest) {
    // The owner, for the audit row only: never returned to a caller who may not see it.
    const target = request.id === undefined ? undefined : await this.transitions.view(request.id);
    const entry = () => ({
      reservationId: request.id ?? null,
      targetUserId: target?.userId ?? null,
      actorUserId: caller.userId,
      actorRole: caller.role,
      reason: request.reason ?? null,
      occurredAt: this.clock.now(),
    });
    // Names this call's note, which its own audit row closes (see AuditLogRepository.openRequest).
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
      const refunded = `Refunded ${target?.amount} KRW to user ${target?.userId} (override of the cutoff)`;
      // Through the step runner: the ticket locked and checked (no cutoff), the PENDING refund recorded with
      // a note of this call in flight, the gateway, then ticket REFUNDED, refund SUCCESS and this call's
      // SUCCESS audit row committed together.
      const done = await this.payments.refundItems(
        { reservationId: id },
        {
          select: (locked) => {
            const row = locked.reservation;
            if (!row) throw notFound('Reservation');
            if (row.status !== 'CONFIRMED') {
              throw new DomainError('REFUND_NOT_ALLOWED', `A ${row.status} reservation cannot be refunded`);
            }
            return [row];
          },
          withIntents: (em) => this.audit.openRequest(em, requestKey, entry()),
          withSuccess: (em) =>
            this.audit.closeRequest(
              em,
              { reservationId: id, requestKey, detailMessage: refunded },
              'SUCCESS',
              this.clock.now(),
            ),
        },
      );
      this.payments.orFail(done);
      const audited = done?.extra;
      if (!audited) await write('SUCCESS', refunded); // our note was gone: still one row for this call
      return (await this.transitions.view(id))!;
    } catch (err) {
      // If this left the refund PENDING, the note stays open (see AuditLogRepository.record) and the
      // reconciler's outcome is audited as well.
      await write('FAILED', describe(err));
      throw err;
    }
  }

  /** The reconciler finished a refund whose override died: its note becomes the audit row. */
  @OnEvent(RefundResumed.event)
  async closeInterruptedOverride({ reservationId }: RefundResumed): Promise<void> {
    await this.audit.closeInterruptedRequests(this.clock.now(), reservationId);
  }

  /** Also at start-up, for a reconciler that died between finishing such a refund and telling us. */
  async onApplicationBootstrap(): Promise<void> {
    await this.audit.closeInterruptedRequests(this.clock.now());
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
