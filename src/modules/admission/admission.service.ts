import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { Clock, CLOCK } from '../../common/clock';
import { DomainError, notFound } from '../../common/errors/domain-error';
import { AdmissionRepository, Eligibility } from './admission.repository';
import { SalesPolicy, saleRefusal, Tier } from './sales-policy/sales-policy';
import { SalesPolicyRepository } from './sales-policy/sales-policy.repository';
import { SEAT_LOCK_STORE, SeatLockStore } from './seat-locks/seat-lock-store';
import { HOLD_GATE, HoldGate } from './waiting-room/hold-gate';
import { RoomDirectory } from './waiting-room/room-directory';
import { admissionRequired } from './waiting-room/waiting-room.service';

/**
 * What the rest of the service asks the admission module: may this user take this seat now (the sale's
 * windows, their tier, their purchase limit, the show not started), whose soft lock is on it, and the
 * sales policies the catalog shows. The hold statement applies the same rules in SQL; this is the
 * explanation of a refusal, and the check before a soft lock.
 */
@Injectable()
export class AdmissionService {
  constructor(
    private readonly admission: AdmissionRepository,
    private readonly policies: SalesPolicyRepository,
    @Inject(SEAT_LOCK_STORE) private readonly locks: SeatLockStore,
    @Inject(HOLD_GATE) private readonly gate: HoldGate,
    private readonly rooms: RoomDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The seat and its show if `userId` may take it now, else the refusal (404 for an unknown seat). */
  async eligible(userId: number, seatId: number): Promise<Eligibility> {
    const e = await this.admission.eligibility(userId, seatId);
    if (!e) throw notFound('Seat');
    if (e.tier === null)
      throw new DomainError('UNAUTHENTICATED', 'The token names a user that does not exist');
    const refusal = refusalOf(e, e.tier, this.clock.now());
    if (refusal) throw refusal;
    return e;
  }

  /**
   * A hold through the gate: in one look (HoldGate) a gated concert needs the fan admitted and within
   * `activeTtlSeconds`, and another user's live soft lock refuses it. `statement` then runs while the
   * hold is marked in flight, and the mark goes as soon as it ends, whatever the outcome. `ownLock`: the
   * caller held the seat's lock (the hold then consumes it).
   */
  async throughGate<T>(
    caller: Principal,
    seatId: number,
    statement: () => Promise<T>,
  ): Promise<{ ownLock: boolean; result: T }> {
    const room = await this.rooms.roomOfSeat(seatId);
    const gate = await this.gate.check(seatId, caller.userId, room?.concertId, this.clock.now().getTime());
    if (!gate.admitted) throw admissionRequired();
    if (gate.lockOwner !== undefined && gate.lockOwner !== caller.userId) throw beingSelected();
    try {
      return { ownLock: gate.lockOwner === caller.userId, result: await statement() };
    } finally {
      if (room && gate.mark) await this.gate.settled(room.concertId, caller.userId, gate.mark);
    }
  }

  /**
   * An order's seats through the gate, as one hold's (throughGate): the room is asked once for the
   * order, and every seat's soft lock is looked up. Another user's live lock on any seat refuses the
   * order before its statement: `lockedByOthers` lists those seats, and `statement` does not run. `ownLocks`:
   * the caller's own locks among the seats (the order consumes them).
   */
  async throughOrderGate<T>(
    caller: Principal,
    seatIds: number[],
    statement: () => Promise<T>,
  ): Promise<
    | { lockedByOthers: number[]; ownLocks: number[]; result?: undefined }
    | { lockedByOthers: []; ownLocks: number[]; result: T }
  > {
    const nowMs = this.clock.now().getTime();
    const room = await this.rooms.roomOfSeat(seatIds[0]);
    const gate = await this.gate.check(seatIds[0], caller.userId, room?.concertId, nowMs);
    try {
      if (!gate.admitted) throw admissionRequired();
      const owners = await Promise.all(
        seatIds.map((id, i) => (i === 0 ? gate.lockOwner : this.locks.ownerOf(id, nowMs))),
      );
      const lockedByOthers = seatIds.filter((_, i) => owners[i] !== undefined && owners[i] !== caller.userId);
      const ownLocks = seatIds.filter((_, i) => owners[i] === caller.userId);
      if (lockedByOthers.length > 0) return { lockedByOthers, ownLocks };
      return { lockedByOthers: [], ownLocks, result: await statement() };
    } finally {
      if (room && gate.mark) await this.gate.settled(room.concertId, caller.userId, gate.mark);
    }
  }

  /**
   * Why an order of `seats` seats on the seat's show would be refused by the sale or the purchase limit
   * (most general first, as for a hold), or undefined; 404 for an unknown seat.
   */
  async orderRefusal(userId: number, seatId: number, seats: number): Promise<DomainError | undefined> {
    const e = await this.admission.eligibility(userId, seatId);
    if (!e) return notFound('Seat');
    if (e.tier === null)
      return new DomainError('UNAUTHENTICATED', 'The token names a user that does not exist');
    return refusalOf({ ...e, seatStatus: 'AVAILABLE' }, e.tier, this.clock.now(), seats);
  }

  /** After the owner's hold: the lock is used up (no AVAILABLE push: the hold's own event follows). */
  async consumeLock(caller: Principal, seatId: number, optionId: number): Promise<void> {
    await this.locks.release(seatId, optionId, caller.userId, this.clock.now().getTime());
  }

  lockedSeats(optionId: number): Promise<Set<number>> {
    return this.locks.lockedSeats(optionId, this.clock.now().getTime());
  }

  salesPolicies(concertIds: number[]): Promise<SalesPolicy[]> {
    return this.policies.findMany(concertIds);
  }
}

/** The contract's refusals, most general first: the show, the sale, the limit, then the seat. */
function refusalOf(e: Eligibility, tier: Tier, now: Date, seats = 1): DomainError | undefined {
  if (e.concertDate <= now) return new DomainError('SALE_ENDED', 'The show has started: its sale has ended');
  const sale = saleRefusal(e.policy, tier, now);
  if (sale === 'SALE_NOT_OPEN') return new DomainError(sale, 'The sale of this concert is not open now');
  if (sale) return new DomainError(sale, `The presale is for tier ${e.policy?.presaleMinimumTier} and above`);
  if (e.policy && e.active + seats > e.policy.maxReservationsPerUser) {
    return new DomainError(
      'PURCHASE_LIMIT_REACHED',
      `At most ${e.policy.maxReservationsPerUser} reservations per user for this concert`,
    );
  }
  if (e.seatStatus !== 'AVAILABLE') return new DomainError('SEAT_NOT_AVAILABLE', 'The seat is not available');
  return undefined;
}

export const beingSelected = () =>
  new DomainError('SEAT_BEING_SELECTED', 'Another fan is selecting this seat; try another one');
