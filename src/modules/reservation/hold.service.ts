import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { isRowOrRetryableError, isUniqueViolation } from '../../common/errors/pg-errors';
import { Metrics } from '../../infra/metrics/metrics.service';
import { AdmissionService } from '../admission/admission.service';
import type { Principal } from '../../common/auth/principal';
import { EXPIRY_QUEUE, ExpiryQueue } from './expiry/expiry-queue';
import { HoldBatcher, HoldRequest } from './hold-batcher';
import { HeldRow, ReservationRepository } from './reservation.repository';
import { ReservationViewRepository } from './reservation-view.repository';

/** Batches in the database at once per instance: one filling up while another runs. */
const HOLD_BATCHES_IN_FLIGHT = 2;
/** Above the connections one instance serves at once; keeps a batch's statement a few ms. */
const MAX_HOLD_BATCH = 256;

/**
 * Seat holds: exactly one winner per seat, by a conditional update backed by the partial unique index.
 * Concurrent holds reach PostgreSQL together (HoldBatcher); each caller still gets its own answer.
 * Admission decides who may hold: another fan's soft lock refuses it (one lookup before the statement);
 * the sales policy and the purchase limit are part of the hold statement itself.
 */
@Injectable()
export class HoldService {
  private readonly batcher: HoldBatcher<HeldRow>;

  constructor(
    private readonly reservations: ReservationRepository,
    private readonly views: ReservationViewRepository,
    private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXPIRY_QUEUE) private readonly expiryQueue: ExpiryQueue,
    private readonly metrics: Metrics,
    private readonly admission: AdmissionService,
  ) {
    this.batcher = new HoldBatcher((batch) => this.holdBatch(batch), {
      maxInFlight: HOLD_BATCHES_IN_FLIGHT,
      maxBatch: MAX_HOLD_BATCH,
      // Caps and purchase counts are read and raised per user in the statement: one request each per batch.
      onePerUser: true,
      retryAlone: isRowOrRetryableError,
      queued: metrics.holdsQueued,
    });
  }

  /** Counts every attempt by result: `success` or the refusal's error code (SEAT_NOT_AVAILABLE, ...). */
  async hold(caller: Principal, seatId: number, ip?: string) {
    try {
      const view = await this.holdSeat(caller, seatId, ip);
      this.metrics.holds.inc({ result: 'success' });
      return view;
    } catch (err) {
      if (err instanceof DomainError) this.metrics.holds.inc({ result: err.code });
      throw err;
    }
  }

  private holdBatch(batch: HoldRequest[]) {
    this.metrics.holdBatchSize.observe(batch.length);
    const now = this.clock.now();
    // The statement brings it forward to the show's start when that comes sooner.
    const expiresAt = new Date(now.getTime() + this.config.holdTtlSeconds * 1000);
    return this.reservations.holdMany(batch, now, expiresAt, {
      perOption: this.config.maxActiveHoldsPerUser,
      perIp: this.config.maxActiveHoldsPerIp,
    });
  }

  private async holdSeat(caller: Principal, seatId: number, ip?: string) {
    const { ownLock, result: row } = await this.admission.throughGate(caller, seatId, async () => {
      try {
        return await this.batcher.hold({ userId: caller.userId, seatId, ip });
      } catch (err) {
        if (isUniqueViolation(err)) throw seatTaken();
        throw err;
      }
    });
    if (!row) throw await this.refusal(caller, seatId, ip);
    if (ownLock) await this.admission.consumeLock(caller, seatId, row.optionId);
    await this.expiryQueue.add(row.id, row.holdExpiresAt);
    return this.views.ofNewHold(row);
  }

  /** Why the statement claimed nothing: admission's rules first, then the hold caps, else a lost race. */
  private async refusal(caller: Principal, seatId: number, ip?: string): Promise<DomainError> {
    await this.admission.eligible(caller.userId, seatId); // throws the sale's, the limit's or the seat's refusal
    const cap = this.config.maxActiveHoldsPerUser;
    if (await this.reservations.atHoldCap(caller.userId, seatId, cap)) {
      return new DomainError('HOLD_LIMIT_REACHED', `At most ${cap} active holds per concert option`);
    }
    const perIp = this.config.maxActiveHoldsPerIp;
    if (ip && (await this.reservations.atIpHoldCap(ip, perIp))) {
      this.metrics.rateLimited.inc({ limit: 'holds-per-ip' });
      return new DomainError('HOLD_LIMIT_REACHED', `At most ${perIp} active holds from one network address`);
    }
    return seatTaken();
  }
}

const seatTaken = () => new DomainError('SEAT_NOT_AVAILABLE', 'The seat is not available');
