import type { Transport } from './metrics.ts';

/** The headers of operations that arrived over WebSocket (graphql-ws.ts builds a Request for each). */
const overWebSocket = new WeakSet<Headers>();

export function markWebSocket(headers: Headers): void {
  overWebSocket.add(headers);
}

/** How a subscription's events travel: WebSocket, or SSE (every other subscription is over HTTP). */
export function transportOf(headers: Headers): Transport {
  return overWebSocket.has(headers) ? 'websocket' : 'sse';
}
