import { Injectable, OnModuleInit } from '@nestjs/common';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { HoldExpiryService } from './hold-expiry.service';

/** Counts committed expiries by path and records how late each was (commit time − holdExpiresAt). */
@Injectable()
export class ExpiryMetrics implements OnModuleInit {
  constructor(
    private readonly expiry: HoldExpiryService,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.expiry.onExpired((expired, { source, committedAt }) => {
      this.metrics.expiries.inc({ source }, expired.length);
      for (const hold of expired) {
        this.metrics.expiryLateness.observe(
          Math.max(0, committedAt.getTime() - hold.holdExpiresAt.getTime()) / 1000,
        );
      }
    });
  }
}
