// A load generator that sends at a fixed, evenly paced rate: request k is due at start + k/rate. Latency is
// measured from when a request was due, not from when it left, so a server (or generator) falling behind
// shows up in the tail instead of silently lowering the rate (no coordinated omission).
import type { DeliveryStats } from './live.ts';

/** When request `k` is due, in ms after the start. */
export function dueAt(k: number, rate: number): number {
  return (k * 1000) / rate;
}

/** How many requests are due by `elapsedMs` (request 0 is due at 0). */
export function dueBy(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/** The q-quantile (0 < q ≤ 1) of sorted values: the smallest value with at least q of all at or below it. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export interface PacedResult {
  rate: number;
  sent: number;
  /** Requests that failed (HTTP error, GraphQL error, connection error). */
  errors: number;
  /** Achieved rate of sends: requests over the time the sends took. */
  achievedRate: number;
  p50: number;
  p99: number;
  max: number;
  /** Scenarios 8, 8b: deliveries to the live subscribers. */
  delivery?: DeliveryStats;
}

export interface PacedOptions {
  rate: number;
  durationSeconds: number;
  /** Sends one request; resolves true when it succeeded. */
  send: () => Promise<boolean>;
  now?: () => number;
}

export async function runPaced(options: PacedOptions): Promise<PacedResult> {
  const now = options.now ?? (() => performance.now());
  const total = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const latencies = new Float64Array(total);
  let sent = 0;
  let completed = 0;
  let errors = 0;
  const start = now();
  let lastSend = start;
  await new Promise<void>((resolve) => {
    const finishOne = (k: number, ok: boolean) => {
      latencies[k] = now() - (start + dueAt(k, options.rate));
      if (!ok) errors += 1;
      completed += 1;
      if (completed === total) resolve();
    };
    const tick = () => {
      const due = dueBy(now() - start, options.rate, total);
      while (sent < due) {
        const k = sent++;
        lastSend = now();
        options.send().then(
          (ok) => finishOne(k, ok),
          () => finishOne(k, false),
        );
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + dueAt(sent, options.rate) - now()));
    };
    tick();
  });
  const sorted = latencies.sort();
  const sendSeconds = (lastSend - start) / 1000;
  return {
    rate: options.rate,
    sent,
    errors,
    achievedRate: sendSeconds > 0 ? (sent - 1) / sendSeconds : sent,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: quantile(sorted, 1),
  };
}
