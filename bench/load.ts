// Closed-loop load with autocannon: `connections` connections, each sending its next request as soon as the
// previous one answered; how many requests per second a server sustains, with p50/p99 latency.
import autocannon from 'autocannon';
import { graphql } from './http.ts';
import type { DeliveryStats } from './live.ts';
import {
  type ConnectionContext,
  failureCode,
  type LoadData,
  type Scenario,
  type SharedState,
  type Target,
} from './scenarios.ts';

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Failed responses (HTTP errors, GraphQL errors, connection errors), by code. */
  errors: Record<string, number>;
  errorSample: string | null;
  durationSeconds: number;
  /**
   * The server's CPU time per request in the round, µs (set by the bench for rounds without warm-up; a closed loop
   * is CPU-bound, and this moves far less between rounds than req/s does on a shared machine).
   */
  serverCpuMicros?: number;
  /** Scenarios 8, 8b: deliveries to the live subscribers (warm-up merges included in lost/duplicated, not latency). */
  delivery?: DeliveryStats;
}

export interface LoadOptions {
  scenario: Scenario;
  target: Target;
  url: string;
  /** attrql's URL, to read a UUID metadata eTag again after PRECONDITION_FAILED. */
  attrqlUrl: string;
  data: LoadData;
  shared: SharedState;
  connections: number;
  durationSeconds: number;
}

const metadataETagQuery = 'query ETag($uuid: ID!) { uuidMetadata(uuid: $uuid) { eTag } }';

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { scenario, target, data, shared } = options;
  const errors: Record<string, number> = {};
  let errorSample: string | null = null;
  const countError = (code: string, body: string) => {
    errors[code] = (errors[code] ?? 0) + 1;
    errorSample ??= body.slice(0, 500);
  };
  /** After PRECONDITION_FAILED (a write nobody expected), the person comes back once its eTag is read again. */
  const refetch = (uuid: string) => {
    graphql<{ uuidMetadata: { eTag: string } | null }>(options.attrqlUrl, metadataETagQuery, { uuid }, data.apiKey)
      .then((result) => {
        if (result.uuidMetadata) data.metadataETags[uuid] = result.uuidMetadata.eTag;
      })
      .catch(() => {})
      .finally(() => shared.free.push(uuid));
  };
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (request, context) => {
          const built = scenario.build(target, data, context as ConnectionContext, shared);
          return {
            ...request,
            method: 'POST',
            path: built.path,
            body: built.body,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${built.authorization}` },
          };
        },
        onResponse: (status, body, context) => {
          const code = failureCode(status, body);
          if (code) countError(code, body);
          const seq = (context as ConnectionContext).seq;
          if (seq !== undefined) shared.live?.responded(seq, code === null);
          const pending = (context as ConnectionContext).pending;
          if (!scenario.responseETag || pending === undefined) return;
          const eTag = code ? null : scenario.responseETag(target, body);
          if (eTag) {
            data.metadataETags[pending] = eTag;
            shared.free.push(pending);
          } else {
            refetch(pending);
          }
        },
      },
    ],
  });
  if (result.errors > 0) {
    countError('CONNECTION_ERROR', `${result.errors} connection errors, ${result.timeouts} timeouts`);
  }
  if (process.env.BENCH_DEBUG) process.stderr.write(`${JSON.stringify({ ...result, latency: undefined })}\n`);
  const requests = result.requests.total;
  return {
    requests,
    rps: requests / options.durationSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors,
    errorSample,
    durationSeconds: options.durationSeconds,
  };
}
