import { randomUUID } from 'node:crypto';
import type { PersonChange } from '../domain/history/change.ts';
import { retainedSince } from '../domain/history/retention.ts';
import { runHourly } from '../hourly.ts';
import { changeFeed } from '../live/change-feed.ts';
import { SubscriberQueue } from '../live/subscriber-queue.ts';
import { log } from '../log.ts';
import { watchWebhookLag } from '../observability/webhooks.ts';
import { ChangeWindow } from './change-window.ts';
import { holdLeases, type LeaseRef, pruneDeliveries, releaseLeases } from './delivery-store.ts';
import { EndpointWorker } from './endpoint-worker.ts';
import { FairSlots } from './fair-slots.ts';
import { webhookRetrySchedule, webhookTimeoutMs } from './settings.ts';
import { onEndpointsChanged } from './wake.ts';

/** An endpoint's lease lasts this long unless renewed; renewed every `tickMs`. A crashed holder's ends by then. */
const leaseMs = 3000;
const tickMs = 1000;
/** Endpoints taken over per tick at most, so instances starting together share them. */
const claimPerTick = 50;
/**
 * Attempts in flight at once for healthy endpoints, and apart from them for failing ones (a change being retried, or
 * an endpoint whose last attempt failed): however many endpoints fail or hang, they never hold the healthy slots.
 */
const healthyConcurrency = 32;
const retryConcurrency = 8;
/** At shutdown: how long attempts under way may take to finish before their leases are left to expire. */
const stopGraceMs = 2000;

/**
 * The dispatcher's subscriber of the live feed (the one subscriptions use: LISTEN/NOTIFY, SQLite's data_version):
 * each of the organization's changes goes into its window, from which the endpoints at the head of the log take
 * them, and wakes the workers.
 */
class WakeQueue extends SubscriberQueue {
  constructor(
    readonly window: ChangeWindow,
    private readonly onChange: () => void,
  ) {
    super(window.orgId, null);
  }

  override push(change: PersonChange): void {
    this.window.push(change);
    this.onChange();
  }

  override close(): void {}
}

interface OrgWorkers {
  queue: WakeQueue;
  workers: Set<EndpointWorker>;
}

/**
 * This instance's webhook dispatcher: every second it renews its endpoint leases and takes over free or expired
 * ones; each endpoint it holds has a worker (endpoint-worker.ts). Endpoints of other instances are left alone.
 */
export class WebhookDispatcher {
  readonly owner = randomUUID();
  readonly healthySlots: FairSlots;
  readonly retrySlots: FairSlots;
  private readonly workers = new Map<string, EndpointWorker>();
  private readonly orgs = new Map<string, OrgWorkers>();
  private validUntil = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private leasesFailing = false;
  private stopListening: (() => void) | null = null;
  private stopPruning: (() => void) | null = null;

  /** `concurrency`: attempts in flight at once, for healthy endpoints and for failing ones (tests make them small). */
  constructor(concurrency = { healthy: healthyConcurrency, failing: retryConcurrency }) {
    this.healthySlots = new FairSlots(concurrency.healthy);
    this.retrySlots = new FairSlots(concurrency.failing);
  }

  start(): void {
    // Settings are read now, so a bad value stops the start rather than a later attempt.
    webhookTimeoutMs();
    webhookRetrySchedule();
    this.stopListening = onEndpointsChanged((orgId) => {
      this.wakeOrg(orgId, 'endpoint');
      this.tickSoon();
    });
    watchWebhookLag(() => {
      let oldest = 0;
      for (const worker of this.workers.values()) {
        const at = worker.oldestUnacknowledged;
        if (at) oldest = Math.max(oldest, (Date.now() - at.getTime()) / 1000);
      }
      return { endpoints: this.workers.size, oldestSeconds: oldest };
    });
    this.stopPruning = pruneDeliveriesPeriodically();
    log('webhook dispatcher started', { instance: this.owner });
    // The first lease round a second after the start, not at once: the database connection is opened lazily, by the
    // first request, and the dispatcher need not be the one to open it (tests change the file under a new server).
    this.tickSoon(tickMs);
  }

  leaseValidUntil(): number {
    return this.validUntil;
  }

  /** The organization's latest changes from the live feed, while this instance holds one of its endpoints. */
  changeWindow(orgId: string): ChangeWindow | null {
    return this.orgs.get(orgId)?.queue.window ?? null;
  }

  private tickSoon(delayMs = 0): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking ??= this.tick().finally(() => {
        this.ticking = null;
        this.tickSoon(tickMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const startedAt = Date.now();
    let held: LeaseRef[];
    try {
      held = await holdLeases(this.owner, leaseMs, claimPerTick);
    } catch (error) {
      // Once per outage, not every second (a read-only SQLite file, say, fails every time).
      if (!this.leasesFailing) {
        log('webhook dispatcher could not renew its leases; retrying every second', {
          error: (error as Error).message,
        });
      }
      this.leasesFailing = true;
      return;
    }
    if (this.leasesFailing) log('webhook dispatcher renews its leases again');
    this.leasesFailing = false;
    if (this.stopped) return;
    this.validUntil = startedAt + leaseMs;
    const keys = new Set<string>();
    for (const ref of held) {
      const key = `${ref.orgId}\n${ref.id}`;
      keys.add(key);
      if (!this.workers.has(key)) this.startWorker(key, ref);
    }
    for (const [key, worker] of this.workers) {
      if (!keys.has(key)) worker.stop();
    }
  }

  private startWorker(key: string, ref: LeaseRef): void {
    const worker = new EndpointWorker(ref, this);
    this.workers.set(key, worker);
    this.orgFor(ref.orgId).workers.add(worker);
    void worker.done.finally(() => {
      if (this.workers.get(key) === worker) this.workers.delete(key);
      const org = this.orgs.get(ref.orgId);
      org?.workers.delete(worker);
      if (org && org.workers.size === 0) {
        this.orgs.delete(ref.orgId);
        changeFeed.remove(org.queue);
      }
    });
  }

  /** An organization's workers, and its feed subscriber that wakes them (made with the first worker). */
  private orgFor(orgId: string): OrgWorkers {
    let org = this.orgs.get(orgId);
    if (!org) {
      const workers = new Set<EndpointWorker>();
      const queue = new WakeQueue(new ChangeWindow(orgId), () => {
        for (const worker of workers) worker.wake('change');
      });
      org = { queue, workers };
      this.orgs.set(orgId, org);
      changeFeed.add(queue).catch((error: Error) => {
        // Without wake-ups the workers still look every second.
        log('webhook dispatcher could not follow the change feed', { error: error.message });
      });
    }
    return org;
  }

  private wakeOrg(orgId: string, reason: 'change' | 'endpoint'): void {
    for (const worker of this.orgs.get(orgId)?.workers ?? []) worker.wake(reason);
  }

  /** Stops every worker; the leases of those that finished in time are released for another instance at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopListening?.();
    this.stopPruning?.();
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    const workers = [...this.workers.values()];
    for (const worker of workers) worker.stop();
    const finished: LeaseRef[] = [];
    await Promise.race([
      Promise.all(workers.map((worker) => worker.done.then(() => finished.push(worker.ref)))),
      new Promise((resolve) => setTimeout(resolve, stopGraceMs).unref()),
    ]);
    for (const org of this.orgs.values()) changeFeed.remove(org.queue);
    this.orgs.clear();
    await releaseLeases(this.owner, finished).catch(() => {});
  }
}

/** Within a few minutes of the start, then hourly: finished deliveries go with the history they belong to. */
function pruneDeliveriesPeriodically(): () => void {
  const prune = () => {
    const since = retainedSince();
    if (!since) return;
    pruneDeliveries(since).catch((error: Error) => log('could not prune webhook deliveries', { error: error.message }));
  };
  return runHourly(prune, 30_000, 150_000);
}

let running: WebhookDispatcher | null = null;

/** Starts this process's dispatcher (the server does at start; tests that deliver in-process do too). */
export function startWebhookDispatcher(): WebhookDispatcher {
  if (running) return running;
  running = new WebhookDispatcher();
  running.start();
  return running;
}

export async function stopWebhookDispatcher(): Promise<void> {
  const dispatcher = running;
  running = null;
  await dispatcher?.stop();
}
