import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Clock, CLOCK } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import { AppConfig } from '../../../config/app-config';
import { Metrics } from '../../../infra/metrics/metrics.service';
import { SIGNATURE_HEADER, verifyWebhookSignature } from './webhook-signature';

/**
 * Runs before the body is validated or used: the exact bytes received (req.rawBody, kept by the JSON
 * parser) must carry a fresh HMAC from the PG. Without a configured secret every delivery is refused:
 * an unsigned webhook is never trusted, whatever the provider.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  private readonly logger = new Logger(WebhookSignatureGuard.name);

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const check = verifyWebhookSignature({
      header: req.headers[SIGNATURE_HEADER],
      rawBody: req.rawBody,
      secret: this.config.pgReadyWebhookSecret,
      nowMs: this.clock.now().getTime(),
    });
    if (check.ok) return true;
    this.metrics.webhookResults.inc({ result: 'SIGNATURE_INVALID' });
    this.logger.warn({ reason: check.reason }, 'PG webhook refused: signature');
    throw new DomainError('WEBHOOK_SIGNATURE_INVALID', 'Missing, invalid or stale X-PG-Signature');
  }
}
