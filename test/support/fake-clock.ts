import { Clock } from '../../src/common/clock';

/** A clock tests move by hand. Starts at real "now" so database defaults and ours stay comparable. */
export class FakeClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
