// Scenarios 8 and 8b (issue 11): live subscribers. The load generator's process opens `liveSubscribers` SSE
// subscriptions to `personChanges` (POST /graphql, Accept: text/event-stream, the org API key): in 8 each follows
// one person (`personId: $p`), in 8b each follows the whole organization. It makes sure each one is registered with
// attrql's change feed (probe merges until every subscriber saw one), then runs scenario 1's merges, each writing
// one value unique to it (`<tag>-<seq>`): in 8 on the followed persons (each merge is for exactly one subscriber),
// in 8b on any person (each merge is for all of them). For every merge and every subscriber it should reach, it
// records when the change carrying that value arrived: delivery latency counts from when the merge request was sent.
// After the load it waits (up to the drain time) for deliveries still on their way, then counts what never came
// (lost), what came twice (duplicated) and what reached a subscriber following another person (misrouted).
// Everything runs in the one process, so both ends read the same clock.
import { randomBytes } from 'node:crypto';
import { type ClientRequest, request } from 'node:http';
import { quantile } from './paced.ts';

/** The open subscriptions scenario 8 runs with (attrql allows 100 per credential). */
export const liveSubscribers = 100;
/** Fan-out scenario (issue 23): idle subscriptions in another organization, 50 per API key of it. */
export const fanoutSubscribers = 5000;
export const fanoutKeys = fanoutSubscribers / 50;
/** Scenario 8b: the whole organization's changes. */
export const subscriptionQuery = 'subscription { personChanges { cursor personId entries { name after } } }';
/** Scenario 8: one person's changes (`$p`). */
export const personSubscriptionQuery =
  'subscription($p: ID!) { personChanges(personId: $p) { cursor personId entries { name after } } }';

export interface DeliveryStats {
  subscribers: number;
  /** Merges that succeeded, each of whose changes every subscriber should get (warm-up included). */
  merges: number;
  /** Of those, merges sent in the measured part (their deliveries make the latencies). */
  measuredMerges: number;
  /** Merges still in flight when the closed-loop load stopped (no response): not expected, not counted as lost. */
  unanswered: number;
  /** First deliveries of the measured merges that succeeded: the latencies' count (= expectedDeliveries when none is lost). */
  deliveries: number;
  /**
   * Deliveries the measured merges that succeeded should make: measuredMerges × subscribers when every subscriber
   * follows the whole organization (8b), measuredMerges when each follows one person (8). Absent in older results.
   */
  expectedDeliveries?: number;
  /** Delivery latency, ms: from when the merge request was sent to when a subscriber received its change. */
  p50: number;
  p99: number;
  max: number;
  /** (successful merge, subscriber) pairs never delivered (within the drain time after the load stopped). */
  lost: number;
  /** Deliveries beyond the first of one merge to one subscriber. */
  duplicated: number;
  /** Deliveries of merges whose request failed. */
  unexpected: number;
  /** Deliveries of a merge to a subscriber it was not for (one following another person); should be 0. */
  misrouted?: number;
  /** Subscriptions that ended before the job did (an error event, or the stream closed), and the first reason. */
  ended: number;
  endedSample: string | null;
  /** Opening the subscriptions until every one had seen a probe merge. */
  setupSeconds: number;
  /** Waiting after the load for deliveries still on their way. */
  drainSeconds: number;
  /** CPU the load generator's process (merges and subscribers) used from the load's start to the drain's end, % of a core. */
  generatorCpuPercent: number;
}

/** Pending: no response yet; ok / failed: the merge's response; unanswered: in flight when the load stopped. */
const Outcome = { Pending: 0, Ok: 1, Failed: 2, Unanswered: 3 } as const;
type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Merges sent and their deliveries to each subscriber. */
export class DeliveryTracker {
  /** Sent with the job's merges, so a job never sees another job's values (and never writes an unchanged value). */
  readonly tag: string;
  /** Set while the measured part runs: those merges' deliveries make the latencies. */
  measuring = false;
  private readonly sentAt: number[] = [];
  private readonly measured: boolean[] = [];
  private readonly outcome: Outcome[] = [];
  /** Per merge, the one subscriber it is for (the one following its person), or -1: all of them. */
  private readonly target: number[] = [];
  /** Deliveries to a subscriber a merge was not for. */
  private misrouted = 0;
  /** Per merge, deliveries per subscriber (created at the first). */
  private readonly received: (Uint8Array | undefined)[] = [];
  /** Per measured merge, each subscriber's first delivery latency in ms (NaN: none yet). */
  private readonly latencies: (Float32Array | undefined)[] = [];
  /** Merges before this one are settled (see `outstanding`). */
  private settled = 0;

  constructor(
    readonly subscribers: number,
    tag = `lv${randomBytes(4).toString('hex')}`,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tag = tag;
  }

  /**
   * A new merge, sent now: its sequence number and the unique value it writes. `subscriber`: the one subscriber
   * that should get it (it follows the merged person); omitted, every subscriber should.
   */
  next(subscriber = -1): { seq: number; value: string } {
    const seq = this.sentAt.length;
    this.sentAt.push(this.now());
    this.measured.push(this.measuring);
    this.outcome.push(Outcome.Pending);
    this.target.push(subscriber);
    return { seq, value: `${this.tag}-${seq}` };
  }

  /** Whether merge `seq` should reach `subscriber`. */
  private isFor(seq: number, subscriber: number): boolean {
    const target = this.target[seq] as number;
    return target === -1 || target === subscriber;
  }

  responded(seq: number, ok: boolean): void {
    if (this.outcome[seq] === Outcome.Pending) this.outcome[seq] = ok ? Outcome.Ok : Outcome.Failed;
  }

  /** The load stopped: merges without a response will get none. */
  loadStopped(): void {
    for (let seq = this.settled; seq < this.outcome.length; seq += 1) {
      if (this.outcome[seq] === Outcome.Pending) this.outcome[seq] = Outcome.Unanswered;
    }
  }

  delivered(subscriber: number, seq: number, at: number): void {
    if (seq >= this.sentAt.length || subscriber >= this.subscribers) return;
    if (!this.isFor(seq, subscriber)) {
      this.misrouted += 1;
      return;
    }
    let counts = this.received[seq];
    if (!counts) {
      counts = new Uint8Array(this.subscribers);
      this.received[seq] = counts;
    }
    const count = counts[subscriber] as number;
    if (count < 255) counts[subscriber] = count + 1;
    if (count === 0 && this.measured[seq]) {
      let latencies = this.latencies[seq];
      if (!latencies) {
        latencies = new Float32Array(this.subscribers).fill(Number.NaN);
        this.latencies[seq] = latencies;
      }
      latencies[subscriber] = at - (this.sentAt[seq] as number);
    }
  }

  /** Merges still waiting for their response or for a delivery to one of the subscribers still open. */
  outstanding(open: readonly boolean[]): number {
    const isSettled = (seq: number) => {
      const outcome = this.outcome[seq];
      if (outcome === Outcome.Failed || outcome === Outcome.Unanswered) return true;
      if (outcome !== Outcome.Ok) return false;
      const counts = this.received[seq];
      const target = this.target[seq] as number;
      if (target !== -1) return !open[target] || Boolean(counts?.[target]);
      for (let s = 0; s < this.subscribers; s += 1) if (open[s] && !counts?.[s]) return false;
      return true;
    };
    while (this.settled < this.outcome.length && isSettled(this.settled)) this.settled += 1;
    let waiting = 0;
    for (let seq = this.settled; seq < this.outcome.length; seq += 1) if (!isSettled(seq)) waiting += 1;
    return waiting;
  }

  stats(
    extra: Pick<DeliveryStats, 'ended' | 'endedSample' | 'setupSeconds' | 'drainSeconds' | 'generatorCpuPercent'>,
  ): DeliveryStats {
    let merges = 0;
    let measuredMerges = 0;
    let expectedDeliveries = 0;
    let unanswered = 0;
    let lost = 0;
    let duplicated = 0;
    let unexpected = 0;
    const measuredLatencies: number[] = [];
    for (let seq = 0; seq < this.outcome.length; seq += 1) {
      const counts = this.received[seq];
      const outcome = this.outcome[seq];
      if (outcome === Outcome.Ok) {
        merges += 1;
        if (this.measured[seq]) {
          measuredMerges += 1;
          expectedDeliveries += this.target[seq] === -1 ? this.subscribers : 1;
        }
      } else if (outcome === Outcome.Unanswered) {
        unanswered += 1;
      }
      for (let s = 0; s < this.subscribers; s += 1) {
        if (!this.isFor(seq, s)) continue;
        const count = counts?.[s] ?? 0;
        if (count > 1) duplicated += count - 1;
        if (outcome === Outcome.Ok && count === 0) lost += 1;
        if (outcome === Outcome.Failed) unexpected += count;
      }
      const latencies = this.latencies[seq];
      if (outcome === Outcome.Ok && latencies) {
        for (const latency of latencies) if (!Number.isNaN(latency)) measuredLatencies.push(latency);
      }
    }
    const sorted = Float64Array.from(measuredLatencies).sort();
    return {
      subscribers: this.subscribers,
      merges,
      measuredMerges,
      unanswered,
      deliveries: sorted.length,
      expectedDeliveries,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: quantile(sorted, 1),
      lost,
      duplicated,
      unexpected,
      misrouted: this.misrouted,
      ...extra,
    };
  }
}

/** What one SSE event means for scenario 8. */
export type LiveEvent =
  | { kind: 'ping' }
  | { kind: 'delivery'; seq: number }
  | { kind: 'probe' }
  | { kind: 'other' }
  | { kind: 'error'; message: string; code: string | null }
  | { kind: 'complete' };

/** Parses a stream of SSE text (`event: next\ndata: …\n\n`, `:\n\n` pings) into events, chunk by chunk. */
export class SseParser {
  private buffer = '';
  private readonly value: RegExp;

  constructor(tag: string) {
    this.value = new RegExp(`"after":"${tag}-(p?)(\\d+)"`);
  }

  push(chunk: string): LiveEvent[] {
    this.buffer += chunk;
    const events: LiveEvent[] = [];
    let start = 0;
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n', start)) {
      events.push(this.event(this.buffer.slice(start, end)));
      start = end + 2;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private event(text: string): LiveEvent {
    if (text.startsWith(':')) return { kind: 'ping' };
    if (text.startsWith('event: complete')) return { kind: 'complete' };
    const match = this.value.exec(text);
    if (match) return match[1] ? { kind: 'probe' } : { kind: 'delivery', seq: Number(match[2]) };
    if (text.includes('"errors"')) {
      const data = text.slice(text.indexOf('data:') + 5).trim();
      try {
        const parsed = JSON.parse(data) as { errors?: { message?: string; extensions?: { code?: string } }[] };
        const first = parsed.errors?.[0];
        return { kind: 'error', message: first?.message ?? data, code: first?.extensions?.code ?? null };
      } catch {
        return { kind: 'error', message: data.slice(0, 300), code: null };
      }
    }
    return { kind: 'other' };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The subscriptions of one job: opened, made sure of, drained and closed. */
export class LiveSubscribers {
  /** Open and still expected to deliver. */
  readonly open: boolean[];
  private readonly seenProbe: boolean[];
  private readonly requests: (ClientRequest | null)[];
  private establishing = true;
  private closing = false;
  private endedCount = 0;
  private endedSample: string | null = null;
  private setupSeconds = 0;
  private drainSeconds = 0;
  /** CPU time and clock when the subscribers were established (the load starts then). */
  private cpuAtStart = process.cpuUsage();
  private startedAt = performance.now();
  private generatorCpuPercent = Number.NaN;

  /**
   * `follows[i]`: the person subscriber i follows (scenario 8), or null: the whole organization (8b); one entry per
   * subscriber of the tracker.
   */
  constructor(
    private readonly url: string,
    private readonly apiKey: string,
    private readonly tracker: DeliveryTracker,
    private readonly follows: readonly (string | null)[] = new Array<null>(tracker.subscribers).fill(null),
  ) {
    const n = tracker.subscribers;
    if (follows.length !== n) throw new Error(`${follows.length} followed persons for ${n} subscribers`);
    this.open = new Array<boolean>(n).fill(false);
    this.seenProbe = new Array<boolean>(n).fill(false);
    this.requests = new Array<ClientRequest | null>(n).fill(null);
  }

  /** Subscribes `index`; while establishing, a refused or ended subscription is opened again. */
  private subscribe(index: number): void {
    const url = new URL('/graphql', this.url);
    const parser = new SseParser(this.tracker.tag);
    let done = false;
    const end = (reason: string) => {
      if (done) return;
      done = true;
      this.open[index] = false;
      this.requests[index]?.destroy();
      this.requests[index] = null;
      if (this.closing) return;
      if (this.establishing) {
        // Refused while the previous job's subscriptions are still being released (RATE_LIMITED), or similar.
        setTimeout(() => {
          if (this.establishing && !this.closing) this.subscribe(index);
        }, 250).unref();
        return;
      }
      this.endedCount += 1;
      this.endedSample ??= `subscriber ${index}: ${reason}`;
    };
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${this.apiKey}`,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          end(`HTTP ${res.statusCode}`);
          return;
        }
        this.open[index] = true;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = performance.now();
          for (const event of parser.push(chunk)) {
            if (event.kind === 'delivery') this.tracker.delivered(index, event.seq, at);
            else if (event.kind === 'probe') this.seenProbe[index] = true;
            else if (event.kind === 'error') end(`${event.code ?? 'error'}: ${event.message}`);
            else if (event.kind === 'complete') end('the server completed the subscription');
          }
        });
        res.on('end', () => end('the stream ended'));
        res.on('close', () => end('the connection closed'));
        res.on('error', (error) => end(error.message));
      },
    );
    req.on('error', (error) => end(error.message));
    const person = this.follows[index];
    req.end(
      JSON.stringify(
        person ? { query: personSubscriptionQuery, variables: { p: person } } : { query: subscriptionQuery },
      ),
    );
    this.requests[index] = req;
  }

  /**
   * Opens every subscription and sends probe merges (through `probe`, with values `<tag>-p<n>`) until every
   * subscriber received one: from then on, each is registered with the change feed and gets every change it
   * follows. `probe(value, person)`: a merge of `value` on `person`, or on any person when null (8b: one probe
   * reaches every subscriber); in 8, one probe per subscriber still waiting, on the person it follows.
   */
  async establish(probe: (value: string, person: string | null) => Promise<void>, timeoutMs = 30_000): Promise<void> {
    const started = performance.now();
    for (let i = 0; i < this.tracker.subscribers; i += 1) this.subscribe(i);
    for (let n = 0; ; n += 1) {
      if (this.open.every(Boolean)) {
        const value = `${this.tracker.tag}-p${n}`;
        const waiting = this.follows.filter((_, i) => !this.seenProbe[i]);
        if (waiting.every((person) => person === null)) await probe(value, null);
        else await Promise.all(waiting.map((person) => probe(value, person)));
        const waitUntil = performance.now() + 1000;
        while (performance.now() < waitUntil && !this.seenProbe.every(Boolean)) await sleep(10);
        if (this.seenProbe.every(Boolean)) break;
      } else {
        await sleep(50);
      }
      if (performance.now() - started > timeoutMs) {
        const open = this.open.filter(Boolean).length;
        const seen = this.seenProbe.filter(Boolean).length;
        this.close();
        throw new Error(`live subscribers: after ${timeoutMs / 1000} s, ${open} open, ${seen} saw a probe merge`);
      }
    }
    this.establishing = false;
    this.setupSeconds = (performance.now() - started) / 1000;
    this.cpuAtStart = process.cpuUsage();
    this.startedAt = performance.now();
  }

  /** After the load: waits until every merge was delivered to every open subscriber, or `seconds` passed. */
  async drain(seconds: number): Promise<void> {
    this.tracker.loadStopped();
    const started = performance.now();
    while (performance.now() - started < seconds * 1000 && this.tracker.outstanding(this.open) > 0) await sleep(20);
    this.drainSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(this.cpuAtStart);
    this.generatorCpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - this.startedAt)) * 100;
  }

  close(): void {
    this.closing = true;
    for (const req of this.requests) req?.destroy();
    this.requests.fill(null);
    this.open.fill(false);
  }

  stats(): DeliveryStats {
    return this.tracker.stats({
      ended: this.endedCount,
      endedSample: this.endedSample,
      setupSeconds: this.setupSeconds,
      drainSeconds: this.drainSeconds,
      generatorCpuPercent: this.generatorCpuPercent,
    });
  }
}

/**
 * Fan-out scenario (issue 23): `count` subscriptions to another organization's whole feed, spread over its `keys`
 * (attrql allows 100 per credential), opened at most 200 at a time. They only have to stay open: resolves when
 * every one answered 200 (a refused one is tried again), with a function that closes them all.
 */
export async function openIdleSubscriptions(
  url: string,
  keys: readonly string[],
  count: number,
  timeoutMs = 120_000,
): Promise<{ ended: () => number; close: () => void }> {
  const target = new URL('/graphql', url);
  const started = performance.now();
  const requests = new Set<ClientRequest>();
  let opened = 0;
  let ended = 0;
  let closing = false;
  const openOne = (index: number): Promise<void> =>
    new Promise((resolve) => {
      let settled = false;
      let done = false;
      const retry = () => {
        if (done) return;
        done = true;
        requests.delete(req);
        req.destroy();
        if (settled) {
          if (!closing) ended += 1;
          return;
        }
        settled = true;
        if (closing || performance.now() - started > timeoutMs) return resolve();
        setTimeout(() => resolve(openOne(index)), 250);
      };
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            accept: 'text/event-stream',
            authorization: `Bearer ${keys[index % keys.length]}`,
          },
        },
        (res) => {
          if (res.statusCode !== 200) return res.resume().on('end', retry);
          res.resume(); // nothing is expected: the organization sees no writes
          res.on('close', retry);
          settled = true;
          opened += 1;
          resolve();
        },
      );
      req.on('error', retry);
      req.end(JSON.stringify({ query: subscriptionQuery }));
      requests.add(req);
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(200, count) }, async () => {
      while (next < count && performance.now() - started < timeoutMs) await openOne(next++);
    }),
  );
  const close = () => {
    closing = true;
    for (const req of requests) req.destroy();
    requests.clear();
  };
  if (opened < count) {
    close();
    throw new Error(`idle subscribers: ${opened} of ${count} open after ${timeoutMs / 1000} s`);
  }
  return { ended: () => ended, close };
}
