import { ThrottlerException } from '@nestjs/throttler';

/** A 429 that knows when to come back; the exception filter turns it into the Retry-After header. */
export class RateLimitedException extends ThrottlerException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many requests, retry later');
  }
}
