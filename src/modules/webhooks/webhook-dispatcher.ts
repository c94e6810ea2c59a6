import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock, CLOCK } from '../../common/clock';
import { PeriodicJob } from '../../common/periodic-job';
import { AppConfig } from '../../config/app-config';
import { Metrics } from '../../infra/metrics/metrics.service';
import { nextStep } from './retry-policy';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { SecretBox } from './secret-box';
import { MicroBatch } from './micro-batch';
import { ClaimedMessage, Outcome, WebhookMessagesRepository } from './webhook-messages.repository';
import { WebhookSender } from './webhook-sender';
import { signMessage } from './webhook-signer';

/** Idle poll: bounds commit → first attempt together with fan-out's own period (contract: within 2 s). */
const POLL_MS = 100;
/**
 * Wakes within this window become one poll. Each poll is a statement over every endpoint's queue; one per
 * answered attempt cost a busy instance more than the attempts themselves (issue 37's hold benchmark).
 */
const WAKE_COALESCE_MS = 25;
/** A lease outlives any attempt (the timeout) by this much; a dead instance's messages wait at most that. */
const LEASE_MARGIN_MS = 15_000;

/**
 * Attempts due messages on every instance. Each endpoint is a queue of its own with at most
 * WEBHOOK_CONCURRENCY_PER_ENDPOINT attempts in flight here: the poll leases only the free slots of each
 * endpoint and never waits for an attempt, so a slow or dead endpoint fills its own slots and nobody
 * else's. Attempts run with no transaction open; the outcome is recorded under the lease afterwards.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly job: PeriodicJob;
  private readonly busy = new Map<number, number>();
  /** Endpoints whose last poll filled every free slot: more may be due, so an answer there polls again. */
  private backlogged = new Set<number>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private wakeTimer?: NodeJS.Timeout;
  /** Attempts that end together are recorded together: one statement, not one per attempt. */
  private readonly outcomes = new MicroBatch((items: (Outcome & { id: string; owner: string })[]) =>
    this.messages.recordOutcomes(items),
  );

  constructor(
    private readonly messages: WebhookMessagesRepository,
    private readonly endpointRows: WebhookEndpointsRepository,
    private readonly secrets: SecretBox,
    private readonly sender: WebhookSender,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.job = new PeriodicJob(
      { name: 'webhook-dispatch', intervalMs: POLL_MS, failureBackoffMs: 1000, run: () => this.poll() },
      metrics.jobDuration,
    );
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  /** Stops leasing, then waits for the attempts in flight so their outcomes are recorded. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.wakeTimer);
    await this.job.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** New work is there (fan-out committed messages, a replay): look now rather than at the next poll. */
  wake(): void {
    if (this.wakeTimer || this.stopping) return;
    // Coalesces the wakes of attempts that end together into one poll.
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      void this.job.runFresh();
    }, WAKE_COALESCE_MS);
  }

  /** One poll, then wait for every attempt it started; for tests and benchmarks. */
  async runOnce(): Promise<void> {
    await this.job.runFresh();
    await Promise.allSettled([...this.inFlight]);
  }

  private async poll(): Promise<void> {
    const owner = randomUUID();
    const claimed = await this.messages.claimDue(
      this.busy,
      this.config.webhookConcurrencyPerEndpoint,
      owner,
      this.clock.now(),
      this.config.webhookTimeoutMs + LEASE_MARGIN_MS,
    );
    const perEndpoint = new Map<number, number>();
    for (const m of claimed) perEndpoint.set(m.endpoint_id, (perEndpoint.get(m.endpoint_id) ?? 0) + 1);
    const free = (id: number) => this.config.webhookConcurrencyPerEndpoint - (this.busy.get(id) ?? 0);
    const backlogged = new Set<number>();
    // An endpoint with no free slot was not looked at: what it had waiting is still waiting.
    for (const id of this.backlogged) if (free(id) <= 0) backlogged.add(id);
    for (const [id, n] of perEndpoint) if (n >= free(id)) backlogged.add(id);
    this.backlogged = backlogged;
    for (const message of claimed) {
      this.busy.set(message.endpoint_id, (this.busy.get(message.endpoint_id) ?? 0) + 1);
      let released = false;
      // The slot is the HTTP request: it comes free when the answer is in, while the outcome is still being
      // recorded (the message stays leased until then, so nobody else attempts it meanwhile).
      const release = () => {
        if (released) return;
        released = true;
        const left = (this.busy.get(message.endpoint_id) ?? 1) - 1;
        if (left > 0) this.busy.set(message.endpoint_id, left);
        else this.busy.delete(message.endpoint_id);
        // That endpoint's next message need not wait for the next poll. A queue the last poll drained gets
        // new messages only from fan-out, replay and the test event, which wake the dispatcher themselves;
        // retries that come due later are the idle poll's.
        if (!this.stopping && this.backlogged.has(message.endpoint_id)) this.wake();
      };
      const attempt = this.attempt(message, owner, release)
        .catch((err) =>
          this.logger.warn({ err: String(err), messageId: message.message_id }, 'webhook attempt'),
        )
        .finally(() => {
          release();
          this.inFlight.delete(attempt);
        });
      this.inFlight.add(attempt);
    }
  }

  private async attempt(message: ClaimedMessage, owner: string, answered: () => void): Promise<void> {
    const at = this.clock.now();
    const headers = signMessage(this.signingSecrets(message, at), message.message_id, at, message.body);
    const result = await this.sender.send(message.url, { ...headers }, message.body);
    answered();
    const now = this.clock.now();
    const step = nextStep(result, message.failures_in_round, this.config.webhookRetryScheduleSeconds, now);
    const recorded = await this.outcomes.add({
      id: message.id,
      owner,
      status: step.status,
      nextAttemptAt: step.status === 'RETRYING' ? new Date(now.getTime() + step.delayMs) : null,
      failed: step.status !== 'SUCCEEDED',
      responseStatus: result.status ?? null,
      excerpt: result.excerpt ?? null,
      durationMs: result.durationMs,
      error: result.error ?? null,
      now,
    });
    if (!recorded.recorded) return; // the lease ran out and another attempt owns the message now
    if (step.status === 'FAILED' && step.disableEndpoint)
      await this.endpointRows.disableGone(message.endpoint_id);
    this.metrics.webhookDeliveries.inc({ result: resultLabel(step, result.forbidden) });
    if (step.status === 'SUCCEEDED' && recorded.firstDelivery) {
      this.metrics.webhookLatency.observe((now.getTime() - message.committed_at.getTime()) / 1000);
    }
  }

  /** The secrets that sign an attempt now: the current one, and the previous one during its overlap. */
  private signingSecrets(message: ClaimedMessage, now: Date): string[] {
    const live = [this.secrets.open(message.secret_sealed)];
    if (
      message.previous_secret_sealed &&
      message.previous_secret_until &&
      message.previous_secret_until > now
    ) {
      live.push(this.secrets.open(message.previous_secret_sealed));
    }
    return live;
  }
}

function resultLabel(step: ReturnType<typeof nextStep>, forbidden?: boolean): string {
  if (step.status === 'SUCCEEDED') return 'succeeded';
  if (step.status === 'RETRYING') return 'retrying';
  if (step.disableEndpoint) return 'gone';
  return forbidden ? 'forbidden' : 'failed';
}
