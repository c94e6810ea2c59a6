import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { HoldsExpired } from './hold-expiry.service';

/** Counts committed expiries by path and records how late each was (commit time − holdExpiresAt). */
@Injectable()
export class ExpiryMetrics {
  constructor(private readonly metrics: Metrics) {}

  @OnEvent(HoldsExpired.event)
  record({ holds, info }: HoldsExpired): void {
    this.metrics.expiries.inc({ source: info.source }, holds.length);
    for (const hold of holds) {
      this.metrics.expiryLateness.observe(
        Math.max(0, info.committedAt.getTime() - hold.holdExpiresAt.getTime()) / 1000,
      );
    }
  }
}
