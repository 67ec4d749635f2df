import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { openEventStreams } from '../http/sse-event-ids.ts';

/**
 * Whether API requests are queueing in this process: webhook delivery then yields to them (a delivery's POST costs
 * CPU like a small request), so a saturated server keeps its throughput and deliveries lag behind, catching up once
 * the load drops. Queueing is the number of requests under way averaged over the last few hundred ms (by Little's
 * law, arrival rate × time in the server): a saturated server holds about as many as its clients send at once, while
 * at half load an instant with 8 under way is a passing burst, and yielding to each of those held every delivery
 * back by seconds (bench:webhooks, PostgreSQL, paced at 50%: p50 1.7 s). Event streams are open for long and cost
 * nothing while idle: not counted. A server whose requests run through without waiting on anything (SQLite's
 * driver is synchronous) seldom holds many at once even when saturated: there, queueing is the process using
 * nearly a whole core (averaged the same way) while requests keep coming. CPU time, not the event loop's busy
 * share: on a shared machine a process waiting for a core looks busy to its event loop (bench:webhooks, PostgreSQL,
 * paced at 50%: deliveries held back by seconds at 37% CPU).
 */
const saturatedAt = 8;
/** The average's time constant: an older level weighs e times less every `tauMs`. */
const tauMs = 300;
/** The process's CPU use (1: one core) above which requests coming at all count as queueing. */
const busyAt = 0.9;
/** How often the CPU use is sampled (it is folded into its own average). */
const sampleMs = 100;

let underWay = 0;
/** The smoothed level, as of `at`. */
let average = 0;
let at = performance.now();

/** Folds the level held since `at` into the average. */
function advance(now: number): void {
  const elapsed = now - at;
  if (elapsed <= 0) return;
  average += (underWay - average) * (1 - Math.exp(-elapsed / tauMs));
  at = now;
}

/** The CPU use, averaged like `average`; whether requests came (averaged); requests started since the last sample. */
let busy = 0;
let requestsComing = 0;
let startedSince = 0;
let cpu = process.cpuUsage();
let sampledAt = performance.now();

function sampleBusy(now: number): void {
  const elapsed = now - sampledAt;
  if (elapsed < sampleMs) return;
  const used = process.cpuUsage(cpu);
  const weight = 1 - Math.exp(-elapsed / tauMs);
  busy += ((used.user + used.system) / 1000 / elapsed - busy) * weight;
  requestsComing += ((startedSince > 0 ? 1 : 0) - requestsComing) * weight;
  cpu = process.cpuUsage();
  sampledAt = now;
  startedSince = 0;
}

export function countRequests(server: Server): void {
  server.on('request', (_request, response) => {
    advance(performance.now());
    underWay += 1;
    startedSince += 1;
    response.once('close', () => {
      advance(performance.now());
      underWay -= 1;
    });
  });
}

/** Why requests count as queueing now ('requests': many under way; 'cpu': the process busy), or null. */
export function requestsQueueing(): 'requests' | 'cpu' | null {
  const now = performance.now();
  advance(now);
  sampleBusy(now);
  if (average - openEventStreams() >= saturatedAt) return 'requests';
  return busy >= busyAt && requestsComing >= 0.5 ? 'cpu' : null;
}
