import { Clock } from '../../src/common/clock';

/**
 * A clock tests move by hand. Starts at real "now" so database defaults and ours stay comparable; it
 * runs with real time unless frozen (a boundary test needs "now" to be exactly an instant).
 */
export class FakeClock implements Clock {
  private offsetMs = 0;
  private frozenAt?: number;

  now(): Date {
    return new Date(this.frozenAt ?? Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Stops the clock at `at` until reset. */
  freezeAt(at: Date): void {
    this.frozenAt = at.getTime();
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = undefined;
  }
}
