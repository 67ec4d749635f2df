import type { Server } from 'node:http';
import { openEventStreams } from '../http/sse-event-ids.ts';

/**
 * Whether API requests are queueing in this process: webhook delivery then yields to them (a delivery's POST costs
 * about as much CPU as a small request), so a saturated server keeps its throughput and deliveries lag behind,
 * catching up once the load drops. Event streams are open for long and cost nothing while idle: not counted.
 */
const saturatedAt = 8;
let underWay = 0;

export function countRequests(server: Server): void {
  server.on('request', (_request, response) => {
    underWay += 1;
    response.once('close', () => {
      underWay -= 1;
    });
  });
}

export function requestsQueueing(): boolean {
  return underWay - openEventStreams() >= saturatedAt;
}
