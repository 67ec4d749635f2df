import type { ChangePosition, PersonChange } from '../domain/history/change.ts';
import { encodeCursor } from '../domain/history/cursor.ts';
import type { ChangeFilter } from '../domain/history/filter.ts';
import { presentChanges } from '../domain/history/pages.ts';
import { readOrgChanges } from '../domain/history/read.ts';
import { comparePositions } from '../live/positions.ts';
import { log } from '../log.ts';
import { countWebhookAttempt, countWebhookDelivery, countWebhookYield } from '../observability/webhooks.ts';
import { bodyVariant, changeBody } from './change-bodies.ts';
import type { ChangeWindow } from './change-window.ts';
import {
  type DeliveredChange,
  hiddenValueIds,
  type LeaseRef,
  type PendingDelivery,
  readEndpoint,
  readPending,
  recordAttempt,
  recordDelivered,
  takeChange,
} from './delivery-store.ts';
import { signingSecrets, type WebhookEndpoint, webhookIdFor } from './endpoint-rows.ts';
import type { FairSlots } from './fair-slots.ts';
import { type PostOutcome, postWebhook } from './http-post.ts';
import { requestsQueueing } from './request-pressure.ts';
import { retryDelayMs, webhookTimeoutMs } from './settings.ts';
import { signatureHeader } from './signature.ts';

/** Changes read from the log at once for one endpoint (one query for all of them). */
const readAhead = 100;
/** With nothing to send: look at the log again after this long even without a wake-up (a missed one is harmless). */
const idleMs = 1000;
/** After a change could not be taken: a short pause, so a lost lease does not spin until the worker is stopped. */
const takenBackOffMs = 100;
/** Do not start an attempt when the lease ends sooner than this (it might be another instance's by then). */
const leaseMarginMs = 500;
/**
 * Successful deliveries are recorded in batches: at most this many, at most this long after the first of them
 * (and whenever the worker runs out of changes, reads its endpoint again, meets a failure or stops). A crash
 * resends at most this unrecorded tail; the recorded position never passes a change not yet delivered.
 */
const recordEvery = 100;
const recordWithinMs = 100;
/** The pause before a delivery while API requests queue (so at most 1000 / yieldMs deliveries a second each). */
const yieldMs = 50;
/**
 * Past this lag behind the log an endpoint's deliveries no longer yield, so the lag under a load that never drops
 * stays bounded near it. 10 s absorbs bursts: with 2 s, 5 s of saturation already made deliveries compete with the
 * requests (bench:webhooks, PostgreSQL: merges 0.53× of no endpoints with 2 s, 0.96× with 10 s, 0.92× unbounded).
 */
const maxYieldLagMs = 10_000;
/** A new change in the log is looked for this long after its wake-up, with the others that came meanwhile. */
const changeCoalesceMs = 20;
/** The endpoint row (URL, filters, secrets) is cached; read again after this long (another instance may change it). */
const endpointFreshMs = 1000;

/** What a worker needs of its dispatcher. */
export interface WorkerHost {
  readonly owner: string;
  /** Until when this instance's lease on the endpoint is known to last (ms since epoch). */
  leaseValidUntil(): number;
  /** Slots for healthy endpoints and, separately, for endpoints whose delivery is being retried. */
  readonly healthySlots: FairSlots;
  readonly retrySlots: FairSlots;
  /** The organization's latest changes as the live feed handed them on, when there is such a window. */
  changeWindow(orgId: string): ChangeWindow | null;
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
  private wakeTimer: NodeJS.Timeout | null = null;
  /** Changes after `sent` read ahead from the log (null: the filter dropped it), and how they are shown (bodyVariant). */
  private readonly buffer: { position: ChangePosition; change: PersonChange | null; variant: string }[] = [];
  /** The last change put into the buffer (sent, or skipped by the filters): the next look at the log starts after it. */
  private lookedAt: ChangePosition | null = null;
  /** The cached endpoint row, when it was read, and whether it must be read again (woken by a change to it). */
  private endpoint: WebhookEndpoint | null = null;
  private endpointReadAt = 0;
  private endpointStale = true;
  /** The position as recorded in the database, and the one past the last change delivered (ahead by `delivered`). */
  private recorded: ChangePosition | null = null;
  private sent: ChangePosition | null = null;
  /** The seq the next recorded delivery row gets (as recorded; the unrecorded ones come before it). */
  private nextSeq = 0;
  private readonly delivered: DeliveredChange[] = [];
  private deliveredSince = 0;
  /** A PENDING delivery may exist (at the start, after a replay, after a failed first attempt). */
  private mayHavePending = true;
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
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wake();
  }

  /**
   * Something changed: a new change in the log, or the endpoint itself (updated, replayed): look again now. While a
   * retry is due later, new changes cannot go out anyway, so only the endpoint's own changes wake the worker.
   */
  wake(reason: 'change' | 'endpoint' = 'endpoint'): void {
    if (reason === 'endpoint') this.endpointStale = true;
    if (reason === 'change') {
      if (this.waitingForRetry) return;
      // Changes come in bursts, and each look at the log is a read per endpoint: one look for a burst of them.
      this.wakeTimer ??= setTimeout(() => {
        this.wakeTimer = null;
        this.wakeNow();
      }, changeCoalesceMs);
      this.wakeTimer.unref();
      return;
    }
    this.wakeNow();
  }

  private wakeNow(): void {
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
    this.host.changeWindow(this.ref.orgId)?.forget(this);
    // Before the lease is given up (or left to another instance): what was delivered is recorded.
    await this.recordDelivered().catch((error: Error) =>
      log('webhook deliveries could not be recorded at stop; they will be sent again', { error: error.message }),
    );
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
    const endpoint = await this.currentEndpoint();
    if (!endpoint?.enabled) {
      this.stopped = true;
      return 0;
    }
    if (this.mayHavePending) {
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
      this.mayHavePending = false;
    }
    const next = await this.nextChange(endpoint);
    if (!next) {
      await this.recordDelivered();
      this.oldestUnacknowledged = null;
      return idleMs;
    }
    this.oldestUnacknowledged = next.change.at;
    // The seq this change's row gets once recorded: its webhook-id is the same if a crash makes another send it.
    const webhookId = webhookIdFor(endpoint.orgId, endpoint.id, this.nextSeq + this.delivered.length);
    const body = changeBody(endpoint.orgId, next.variant, next.position, next.change);
    // While API requests queue, a pause before each delivery: they go first, the deliveries catch up afterwards. Not
    // once the endpoint is `maxYieldLagMs` behind: under a load that never drops, deliveries must not starve.
    const queueing = requestsQueueing();
    if (queueing && Date.now() - next.change.at.getTime() < maxYieldLagMs) {
      countWebhookYield(queueing);
      await new Promise((resolve) => setTimeout(resolve, yieldMs));
    }
    const first = await this.post(endpoint, { webhookId, body, attempts: 0 });
    if (!first) return takenBackOffMs; // stopping, or the lease about to end
    this.buffer.shift();
    if (first.ok) {
      // Delivered: recorded with the next ones, in one transaction (the order is kept: one at a time, in order).
      if (this.delivered.length === 0) this.deliveredSince = Date.now();
      this.delivered.push({
        position: next.position,
        webhookId,
        changeCursor: encodeCursor(next.change),
        changeAt: next.change.at,
        status: first.status,
        at: new Date(),
      });
      this.sent = next.position;
      countWebhookDelivery('delivered', next.change.at);
      if (this.delivered.length >= recordEvery || Date.now() - this.deliveredSince >= recordWithinMs) {
        await this.recordDelivered();
      }
      return 0;
    }
    // Failed: from here on it is a delivery row of its own, retried on the schedule (rare, so the slow path).
    await this.recordDelivered();
    const from = this.sent ?? endpoint.position;
    const delivery = await takeChange(this.ref, this.host.owner, from, next.position, {
      webhookId,
      changeCursor: encodeCursor(next.change),
      changeAt: next.change.at,
      body,
    });
    if (!delivery) {
      // The position moved under us (a replay) or the lease is gone (the next lease round stops this worker).
      this.forget();
      return takenBackOffMs;
    }
    this.recorded = next.position;
    this.sent = next.position;
    this.nextSeq = delivery.seq + 1;
    this.mayHavePending = true;
    await this.recordOutcome(delivery, first);
    return 0;
  }

  /** The endpoint, read again when it changed, when it is older than `endpointFreshMs`, or never read. */
  private async currentEndpoint(): Promise<WebhookEndpoint | null> {
    if (this.endpoint && !this.endpointStale && Date.now() - this.endpointReadAt < endpointFreshMs) {
      return this.endpoint;
    }
    await this.recordDelivered(); // the position read must be the one recorded
    this.endpointStale = false;
    this.endpointReadAt = Date.now();
    this.endpoint = await readEndpoint(this.ref.orgId, this.ref.id);
    const position = this.endpoint?.position ?? null;
    if (!position || !this.recorded || !samePosition(position, this.recorded)) {
      // First read, or moved by a replay: start again from the recorded position.
      this.buffer.length = 0;
      this.lookedAt = null;
      this.recorded = position;
      this.sent = position;
      this.mayHavePending = true;
    }
    if (this.endpoint) this.nextSeq = this.endpoint.nextSeq;
    return this.endpoint;
  }

  /** Writes the deliveries made since the last time (one transaction); when that fails, reads everything again. */
  private async recordDelivered(): Promise<void> {
    if (this.delivered.length === 0 || !this.recorded) return;
    const batch = [...this.delivered];
    const nextSeq = await recordDelivered(this.ref, this.host.owner, this.recorded, this.nextSeq, batch);
    this.delivered.splice(0, batch.length);
    const last = batch.at(-1);
    if (nextSeq !== null && last) {
      this.recorded = last.position;
      this.nextSeq = nextSeq;
      return;
    }
    // A replay moved the position, or another instance holds the endpoint: it (re)sends them.
    this.forget();
  }

  /** Drops what this worker knows of the endpoint's position: the next step reads it again. */
  private forget(): void {
    this.buffer.length = 0;
    this.lookedAt = null;
    this.delivered.length = 0;
    this.endpointStale = true;
    this.recorded = null;
  }

  /**
   * The next change after the position reached that the endpoint's filters select, as an org API key sees it
   * (hidden values null): from the organization's window of the live feed when the position is in it, else read
   * from the log `readAhead` at a time (the same reads the personChanges query makes).
   */
  private async nextChange(
    endpoint: WebhookEndpoint,
  ): Promise<{ position: ChangePosition; change: PersonChange; variant: string } | null> {
    if (this.buffer.length === 0 && !(await this.fillFromWindow(endpoint))) {
      const window = this.host.changeWindow(endpoint.orgId);
      const head = window?.latest();
      const from = this.lookingFrom(endpoint);
      const filter: ChangeFilter = { areas: endpoint.areas };
      const changes = await readOrgChanges(endpoint.orgId, from, readAhead, { personId: endpoint.personId, filter });
      if (changes.length > 0) this.fill(endpoint, changes, await hiddenValueIds(endpoint.orgId));
      // Read to the end, after the window's latest change had been read by the feed (so committed, below every
      // later read's bound): whatever lies between the last change read and that one is not this endpoint's, and
      // the next look starts in the window.
      const last = changes.at(-1)?.position ?? from;
      if (window && head && changes.length < readAhead && (!last || comparePositions(head.position, last) > 0)) {
        this.lookedAt = head.position;
        window.passed(this, head.seq);
      }
      if (changes.length === 0) return null;
    }
    // A change the filters drop entirely (in the window, those of other persons and areas; from the log, none, since
    // the SQL filter is the same rule): skipped, and since it is not sent the position passes it with the next
    // delivery.
    while (this.buffer[0] && !this.buffer[0].change) {
      this.buffer.shift();
    }
    const first = this.buffer[0];
    return first?.change ? { position: first.position, change: first.change, variant: first.variant } : null;
  }

  private lookingFrom(endpoint: WebhookEndpoint): ChangePosition | null {
    return this.lookedAt ?? this.sent ?? endpoint.position;
  }

  /** Fills the buffer from the window; false when the window cannot say what comes next (the log is read then). */
  private async fillFromWindow(endpoint: WebhookEndpoint): Promise<boolean> {
    const window = this.host.changeWindow(endpoint.orgId);
    const from = this.lookingFrom(endpoint);
    const found = window && from ? window.after(from, readAhead) : null;
    if (!window || !found) return false;
    window.passed(this, found.lastSeq);
    if (found.changes.length === 0) return true;
    const anyMine = !endpoint.personId || found.changes.some((c) => c.personId === endpoint.personId);
    // Read after the changes came, as a reader of the log does; shared by the organization's endpoints.
    const hidden = anyMine ? await window.hiddenValueIds(found.lastSeq) : new Set<string>();
    this.fill(endpoint, found.changes, hidden);
    return true;
  }

  /** Puts changes into the buffer as this endpoint shows them (null: its filters drop the change). */
  private fill(endpoint: WebhookEndpoint, changes: readonly PersonChange[], hiddenIds: Set<string>): void {
    const filter: ChangeFilter = { areas: endpoint.areas };
    const visibility = { hidden: {}, hiddenValueIds: hiddenIds };
    const variant = bodyVariant(endpoint.areas, hiddenIds);
    for (const change of changes) {
      const mine = !endpoint.personId || change.personId === endpoint.personId;
      const [shown] = mine ? presentChanges([change], filter, visibility) : [];
      this.buffer.push({ position: change.position, change: shown ?? null, variant });
    }
    this.lookedAt = changes.at(-1)?.position ?? this.lookedAt;
  }

  /** One attempt of the pending delivery, then its result recorded (retry scheduled, or DELIVERED / FAILED). */
  private async attempt(endpoint: WebhookEndpoint, delivery: PendingDelivery): Promise<void> {
    const outcome = await this.post(endpoint, delivery);
    if (outcome) await this.recordOutcome(delivery, outcome);
  }

  /** POSTs one attempt in a slot; null when not sent (stopping, or the lease about to end). */
  private async post(
    endpoint: WebhookEndpoint,
    delivery: { webhookId: string; body: string; attempts: number },
  ): Promise<PostOutcome | null> {
    const slots = this.failing || delivery.attempts > 0 ? this.host.retrySlots : this.host.healthySlots;
    const release = await slots.take();
    let outcome: PostOutcome;
    try {
      if (this.stopped || this.host.leaseValidUntil() - Date.now() < leaseMarginMs) return null;
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
    return outcome;
  }

  /** Records an attempt of a delivery row: DELIVERED, FAILED (no retry left), or PENDING again later. */
  private async recordOutcome(delivery: PendingDelivery, outcome: PostOutcome): Promise<void> {
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

const samePosition = (a: ChangePosition, b: ChangePosition) => a.txid === b.txid && a.id === b.id;
