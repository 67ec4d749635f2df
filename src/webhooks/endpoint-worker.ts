import { randomUUID } from 'node:crypto';
import type { ChangePosition, PersonChange } from '../domain/history/change.ts';
import { personChangeJson } from '../domain/history/change-json.ts';
import { encodeCursor } from '../domain/history/cursor.ts';
import type { ChangeFilter } from '../domain/history/filter.ts';
import { presentChanges } from '../domain/history/pages.ts';
import { readOrgChanges } from '../domain/history/read.ts';
import { log } from '../log.ts';
import { countWebhookAttempt, countWebhookDelivery } from '../observability/webhooks.ts';
import {
  hiddenValueIds,
  type LeaseRef,
  type PendingDelivery,
  readEndpoint,
  readPending,
  recordAttempt,
  takeChange,
} from './delivery-store.ts';
import { signingSecrets, type WebhookEndpoint } from './endpoint-rows.ts';
import type { FairSlots } from './fair-slots.ts';
import { postWebhook } from './http-post.ts';
import { retryDelayMs, webhookTimeoutMs } from './settings.ts';
import { signatureHeader } from './signature.ts';

/** Changes read from the log at once for one endpoint. */
const readAhead = 50;
/** With nothing to send: look at the log again after this long even without a wake-up (a missed one is harmless). */
const idleMs = 1000;
/** After a change could not be taken: a short pause, so a lost lease does not spin until the worker is stopped. */
const takenBackOffMs = 100;
/** Do not start an attempt when the lease ends sooner than this (it might be another instance's by then). */
const leaseMarginMs = 500;

/** What a worker needs of its dispatcher. */
export interface WorkerHost {
  readonly owner: string;
  /** Until when this instance's lease on the endpoint is known to last (ms since epoch). */
  leaseValidUntil(): number;
  /** Slots for healthy endpoints and, separately, for endpoints whose delivery is being retried. */
  readonly healthySlots: FairSlots;
  readonly retrySlots: FairSlots;
}

/**
 * Delivers one endpoint's changes while this instance holds its lease: one at a time, in log order, each retried
 * on the schedule until delivered or FAILED. Everything it knows is in the database: the position it has reached,
 * the delivery under way and its attempts, so another instance carries on where this one stopped.
 */
export class EndpointWorker {
  private stopped = false;
  private woken = false;
  private waitingForRetry = false;
  private stepFailing = false;
  private wakeUp: (() => void) | null = null;
  private readonly buffer: { position: ChangePosition; change: PersonChange | null }[] = [];
  private bufferFrom: ChangePosition | null = null;
  /** The last attempt failed: the next one waits for a failing endpoint's slot, not a healthy one's. */
  private failing = false;
  /** The commit time of the oldest change this endpoint has not acknowledged, when known (for the lag metric). */
  oldestUnacknowledged: Date | null = null;
  readonly done: Promise<void>;

  constructor(
    readonly ref: LeaseRef,
    private readonly host: WorkerHost,
  ) {
    this.done = this.run();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /**
   * Something changed: a new change in the log, or the endpoint itself (updated, replayed): look again now. While a
   * retry is due later, new changes cannot go out anyway, so only the endpoint's own changes wake the worker.
   */
  wake(reason: 'change' | 'endpoint' = 'endpoint'): void {
    if (reason === 'change' && this.waitingForRetry) return;
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let waitMs = 0;
      try {
        this.woken = false;
        this.waitingForRetry = false;
        waitMs = await this.step();
        this.stepFailing = false;
      } catch (error) {
        // Once per outage (the database away, say), not every second.
        if (!this.stepFailing) log('webhook delivery failed to proceed; retrying', { error: (error as Error).message });
        this.stepFailing = true;
        waitMs = idleMs;
      }
      if (waitMs > 0 && !this.woken && !this.stopped) await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wakeUp = null;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** One move: an attempt, or taking the next change, or nothing. Returns how long to wait before the next. */
  private async step(): Promise<number> {
    const endpoint = await readEndpoint(this.ref.orgId, this.ref.id);
    if (!endpoint?.enabled) {
      this.stopped = true;
      return 0;
    }
    const pending = await readPending(endpoint.orgId, endpoint.id);
    if (pending) {
      this.oldestUnacknowledged = pending.changeAt;
      const due = pending.nextAttemptAt.getTime() - Date.now();
      if (due > 0) {
        this.waitingForRetry = true;
        return due;
      }
      await this.attempt(endpoint, pending);
      return 0;
    }
    const next = await this.nextChange(endpoint);
    if (!next) {
      this.oldestUnacknowledged = null;
      return idleMs;
    }
    this.oldestUnacknowledged = next.change.at;
    const delivery = await takeChange(this.ref, this.host.owner, endpoint.position, next.position, {
      webhookId: `msg_${randomUUID().replaceAll('-', '')}`,
      changeCursor: encodeCursor(next.change),
      changeAt: next.change.at,
      body: JSON.stringify({
        type: 'person.changed',
        timestamp: next.change.at.toISOString(),
        data: personChangeJson(next.change),
      }),
    });
    if (!delivery) {
      // The position moved under us (a replay) or the lease is gone (the next lease round stops this worker).
      this.buffer.length = 0;
      return takenBackOffMs;
    }
    this.buffer.shift();
    this.bufferFrom = next.position;
    await this.attempt(endpoint, delivery);
    return 0;
  }

  /**
   * The next change after the endpoint's position that its filters select, as an org API key sees it (hidden
   * values null); read from the log `readAhead` at a time, the same reads the personChanges query makes.
   */
  private async nextChange(
    endpoint: WebhookEndpoint,
  ): Promise<{ position: ChangePosition; change: PersonChange } | null> {
    const samePlace =
      this.bufferFrom && this.bufferFrom.txid === endpoint.position.txid && this.bufferFrom.id === endpoint.position.id;
    if (!samePlace) this.buffer.length = 0;
    if (this.buffer.length === 0) {
      const filter: ChangeFilter = { areas: endpoint.areas };
      const changes = await readOrgChanges(endpoint.orgId, endpoint.position, readAhead, {
        personId: endpoint.personId,
        filter,
      });
      const visibility = { hidden: {}, hiddenValueIds: await hiddenValueIds(endpoint.orgId) };
      for (const change of changes) {
        const [shown] = presentChanges([change], filter, visibility);
        this.buffer.push({ position: change.position, change: shown ?? null });
      }
      this.bufferFrom = endpoint.position;
    }
    // A change the filter drops entirely (it cannot be, since the SQL filter is the same rule; kept safe): skipped.
    while (this.buffer[0] && !this.buffer[0].change) {
      this.buffer.shift();
    }
    const first = this.buffer[0];
    return first?.change ? { position: first.position, change: first.change } : null;
  }

  /** One attempt of the pending delivery, then its result recorded (retry scheduled, or DELIVERED / FAILED). */
  private async attempt(endpoint: WebhookEndpoint, delivery: PendingDelivery): Promise<void> {
    const slots = this.failing || delivery.attempts > 0 ? this.host.retrySlots : this.host.healthySlots;
    const release = await slots.take();
    let outcome: Awaited<ReturnType<typeof postWebhook>>;
    try {
      if (this.stopped || this.host.leaseValidUntil() - Date.now() < leaseMarginMs) return;
      const timestamp = Math.floor(Date.now() / 1000);
      outcome = await postWebhook(
        endpoint.url,
        {
          'content-type': 'application/json',
          'webhook-id': delivery.webhookId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(signingSecrets(endpoint), delivery.webhookId, timestamp, delivery.body),
        },
        delivery.body,
        webhookTimeoutMs(),
      );
    } finally {
      release();
    }
    countWebhookAttempt(outcome.result);
    this.failing = !outcome.ok;
    const at = new Date();
    const retryIn = outcome.ok ? null : retryDelayMs(delivery.attempts + 1);
    const state = outcome.ok ? 'DELIVERED' : retryIn === null ? 'FAILED' : 'PENDING';
    await recordAttempt(this.ref, delivery.seq, {
      status: outcome.status,
      error: outcome.error,
      outcome: state,
      nextAttemptAt: retryIn === null ? null : new Date(at.getTime() + retryIn),
      at,
    });
    if (state === 'DELIVERED') countWebhookDelivery('delivered', delivery.changeAt);
    if (state === 'FAILED') countWebhookDelivery('failed', delivery.changeAt);
  }
}
