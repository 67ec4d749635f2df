import type { Server } from 'node:http';
import { openEventStreams } from '../http/sse-event-ids.ts';

/**
 * Whether API requests are queueing in this process: webhook delivery then yields to them (a delivery's POST costs
 * CPU like a small request), so a saturated server keeps its throughput and deliveries lag behind, catching up once
 * the load drops. Queueing is the number of requests under way averaged over the last few hundred ms (by Little's
 * law, arrival rate × time in the server): a saturated server holds about as many as its clients send at once, while
 * at half load an instant with 8 under way is a passing burst, and yielding to each of those held every delivery
 * back by seconds (bench:webhooks, PostgreSQL, paced at 50%: p50 1.7 s). Event streams are open for long and cost
 * nothing while idle: not counted.
 */
const saturatedAt = 8;
/** The average's time constant: an older level weighs e times less every `tauMs`. */
const tauMs = 300;

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

export function countRequests(server: Server): void {
  server.on('request', (_request, response) => {
    advance(performance.now());
    underWay += 1;
    response.once('close', () => {
      advance(performance.now());
      underWay -= 1;
    });
  });
}

export function requestsQueueing(): boolean {
  advance(performance.now());
  return average - openEventStreams() >= saturatedAt;
}
