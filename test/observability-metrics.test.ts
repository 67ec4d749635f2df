import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { onPostgres } from './helpers/database.ts';
import {
  findPromtool,
  promtoolProblems,
  type Sample,
  samples,
  sampleValue,
  startScrapingPrometheus,
} from './helpers/observability.ts';
import { call } from './helpers/rest.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  createPerson,
  merge,
  personChangesDoc,
  type Stream,
  subscribeSse,
  subscribeWs,
  untilLive,
  waitFor,
} from './helpers/subscriptions.ts';

// CONTRACT §11, metrics: a real attrql process serves GET /metrics in Prometheus's text format after a mix of
// GraphQL operations (named, anonymous, failing), REST calls and subscriptions on both transports; promtool
// accepts it, a real Prometheus scrapes it, and no label carries an org, key, person, attribute name or value.

const dbSystem = onPostgres ? 'postgresql' : 'sqlite';
// Strings that must never appear in /metrics: a person id, an attribute name and value.
const personId = 'obs-person-7c1f';
const secretName = 'obs_secret_name_4d2a';
const secretValue = 'obs-secret-value-93be';

let server: ServerProcess;
let apiKey: string;
let orgId: string;
const streams: Stream[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ apiKey, orgId } = await createOrganization('observability'));
  server = await startServerProcess(process.env.DATABASE_URL as string);
  await createPerson(server.url, apiKey, 'probe');
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await server?.stop();
});

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const labelled = (all: Sample[], name: string) => all.filter((sample) => sample.name === name);

describe('GET /metrics', () => {
  it('measures named, anonymous and failing operations, REST routes and subscriptions; promtool accepts it', async () => {
    const sse = subscribeSse({ url: server.url, auth: apiKey, query: personChangesDoc, label: 'sse' });
    const ws = subscribeWs({ url: server.url, auth: apiKey, query: personChangesDoc, label: 'ws' });
    streams.push(sse, ws);
    const probe = (value: string) => merge(server.url, apiKey, 'probe', 'end_user_read_write', { value });
    await untilLive([sse, ws], probe, (change) => change.personId === 'probe');

    // Named and anonymous operations, a failing one of each kind, a REST call that succeeds and one that fails.
    await createPerson(server.url, apiKey, personId, { end_user_read_write: { [secretName]: secretValue } });
    await merge(server.url, apiKey, personId, 'end_user_read_write', { [secretName]: `${secretValue}-2` });
    expect((await httpGql(server.url, '{ person(id: "nobody") { id } }', {}, apiKey)).status).toBe(200);
    const unauthenticated = await httpGql(server.url, 'query Who { person(id: "x") { id } }', {}, 'wrong-key');
    expect(unauthenticated.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await httpGql(server.url, '{ person(id: ', {}, apiKey)).errors?.[0]?.extensions?.code).toBe(
      'GRAPHQL_PARSE_FAILED',
    );
    const slashid = { 'SlashID-OrgID': orgId, 'SlashID-API-Key': apiKey, 'Content-Type': 'application/json' };
    const patched = await call(server.url, 'PATCH', `/persons/${personId}/attributes/end_user_read_write`, {
      headers: slashid,
      body: { [secretName]: `${secretValue}-3` },
    });
    expect(patched.status).toBe(204);
    const missing = await call(server.url, 'GET', '/persons/nobody/attributes/end_user_read_write', {
      headers: slashid,
    });
    expect(missing.status).toBe(404);
    await sse.waitForPerson(personId, 3);
    await ws.waitForPerson(personId, 3);

    const { status, headers, text } = await scrape(server.url);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const all = samples(text);
    const count = (labels: Record<string, string>) =>
      sampleValue(all, 'attrql_graphql_operation_duration_seconds_count', labels) ?? 0;
    expect(count({ operation_type: 'mutation', operation_name: 'C', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(count({ operation_type: 'mutation', operation_name: 'Merge', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(count({ operation_type: 'query', operation_name: 'anonymous', outcome: 'ok' })).toBe(1);
    expect(count({ operation_name: 'Who', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(count({ operation_type: 'unknown', outcome: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
    // The SSE subscription is an HTTP request too (measured until its stream starts); the WebSocket one as well.
    expect(count({ operation_type: 'subscription', operation_name: 'Follow', outcome: 'ok' })).toBe(2);

    const rest = (labels: Record<string, string>) =>
      sampleValue(all, 'attrql_rest_request_duration_seconds_count', labels);
    expect(rest({ operation: 'slashid.mergeBucket', status: '204' })).toBe(1);
    expect(rest({ operation: 'slashid.getBucket', status: '404' })).toBe(1);

    expect(sampleValue(all, 'attrql_subscriptions_open', { transport: 'sse' })).toBe(1);
    expect(sampleValue(all, 'attrql_subscriptions_open', { transport: 'websocket' })).toBe(1);
    for (const transport of ['sse', 'websocket']) {
      const delivered = sampleValue(all, 'attrql_change_delivery_lag_seconds_count', { transport }) ?? 0;
      expect(delivered, transport).toBeGreaterThanOrEqual(4); // the probe's and the person's three
    }
    expect(sampleValue(all, 'attrql_db_statement_duration_seconds_count', { db_system: dbSystem })).toBeGreaterThan(10);
    const committed = { db_system: dbSystem, outcome: 'commit' };
    expect(sampleValue(all, 'attrql_db_transaction_duration_seconds_count', committed)).toBeGreaterThanOrEqual(3);
    expect(sampleValue(all, 'attrql_rate_limited_requests_total')).toBe(0);
    expect(sampleValue(all, 'attrql_db_transaction_retries_total', { db_system: dbSystem }) ?? 0).toBe(0);
    if (onPostgres) {
      const idle = sampleValue(all, 'attrql_db_pool_connections', { state: 'idle' }) ?? -1;
      expect(idle).toBeGreaterThanOrEqual(1);
      expect(sampleValue(all, 'attrql_db_pool_waiting_requests')).toBe(0);
    }
    // The Node process defaults.
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(labelled(all, name).length, name).toBe(1);
    }
    expect(labelled(all, 'nodejs_gc_duration_seconds_count').length).toBeGreaterThan(0);

    // No tenant or person data in any label or value line.
    for (const secret of [orgId, apiKey, personId, secretName, secretValue, 'probe']) {
      expect(text.includes(secret), secret).toBe(false);
    }

    const promtool = findPromtool();
    if (!promtool) return;
    const checked = promtoolProblems(promtool, text);
    expect(checked.problems).toEqual([]);
    expect([0, 3]).toContain(checked.status); // 3: lint problems only, the three known ones above
  }, 90_000);

  it('is scraped by a real Prometheus, whose PromQL API then returns attrql series', async () => {
    if (!findPromtool()) return; // the same Debian package brings both
    const prometheus = await startScrapingPrometheus(new URL(server.url).host);
    cleanups.push(() => prometheus.stop());
    const query = 'sum by (operation_name) (attrql_graphql_operation_duration_seconds_count{operation_name="Merge"})';
    const result = await waitFor(
      'a PromQL answer with attrql series',
      async () => {
        try {
          const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
          const body = (await response.json()) as { data?: { result: { metric: unknown; value: [number, string] }[] } };
          return body.data?.result.length ? body.data.result : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nprometheus said:\n${prometheus.logs()}`);
    });
    expect(result[0]?.metric).toEqual({ operation_name: 'Merge' });
    expect(Number(result[0]?.value[1])).toBeGreaterThanOrEqual(2);
    const up = await fetch(`${prometheus.url}/api/v1/query?query=up`);
    expect(((await up.json()) as { data: { result: { value: [number, string] }[] } }).data.result[0]?.value[1]).toBe(
      '1',
    );
  }, 90_000);
});

describe('access to /metrics', () => {
  const token = 'metrics-token-5a1e';
  let guarded: ServerProcess;
  beforeAll(async () => {
    // Also rate-limited (3 a minute), for the counter of refusals, and logging JSON lines.
    guarded = await startServerProcess(process.env.DATABASE_URL as string, {
      ATTRQL_METRICS_TOKEN: token,
      ATTRQL_RATE_LIMIT_PER_MINUTE: '3',
      ATTRQL_LOG_FORMAT: 'json',
    });
    cleanups.push(() => guarded.stop());
  }, 90_000);

  it('ATTRQL_METRICS_TOKEN: only `Authorization: Bearer <token>` gets the metrics, anything else 401', async () => {
    expect((await scrape(guarded.url)).status).toBe(401);
    expect((await scrape(guarded.url, { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await scrape(guarded.url, { authorization: token })).status).toBe(401);
    expect((await scrape(guarded.url, { authorization: `Bearer ${apiKey}` })).status).toBe(401);
    const allowed = await scrape(guarded.url, { authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('# TYPE attrql_graphql_operation_duration_seconds histogram');
  });

  it('ATTRQL_METRICS=false: /metrics is 404, GraphQL is served as usual', async () => {
    const off = await startServerProcess(process.env.DATABASE_URL as string, { ATTRQL_METRICS: 'false' });
    cleanups.push(() => off.stop());
    expect((await scrape(off.url)).status).toBe(404);
    expect((await httpGql(off.url, 'query Q { __typename }', {}, apiKey)).status).toBe(200);
  }, 90_000);

  it('counts refused operations in attrql_rate_limited_requests_total', async () => {
    const limited = guarded;
    // 8 operations over at most two one-minute windows: one window gets at least 4 of them.
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 8; i++) {
      codes.push((await httpGql(limited.url, '{ person(id: "x") { id } }', {}, apiKey)).errors?.[0]?.extensions?.code);
    }
    const refused = codes.filter((code) => code === 'RATE_LIMITED').length;
    expect(refused).toBeGreaterThanOrEqual(1);
    const all = samples((await scrape(limited.url, { authorization: `Bearer ${token}` })).text);
    expect(sampleValue(all, 'attrql_rate_limited_requests_total')).toBe(refused);
  }, 90_000);

  it('ATTRQL_LOG_FORMAT=json: every stderr line is one JSON object; request lines carry the request fields', async () => {
    const response = await fetch(`${guarded.url}/graphql`, {
      method: 'POST',
      // No credential: this server's rate limit (3 a minute) counts only authenticated operations.
      headers: { 'content-type': 'application/json', 'x-request-id': 'json-line-1' },
      body: JSON.stringify({ query: 'query JsonLogged { __typename }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('json-line-1');
    await response.text();
    const lines = await waitFor('the request line', () => {
      const all = guarded
        .logs()
        .split('\n')
        .filter((line) => line !== '');
      return all.some((line) => line.includes('json-line-1')) && all;
    });
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry.time, line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(['info', 'warn', 'error'], line).toContain(entry.level);
      expect(typeof entry.msg, line).toBe('string');
    }
    const request = lines.map((line) => JSON.parse(line)).find((entry) => entry.requestId === 'json-line-1');
    expect(request).toMatchObject({
      level: 'info',
      msg: 'POST /graphql 200',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operation: 'JsonLogged',
    });
    expect(typeof request.ms).toBe('number');
    expect(request.traceId).toBeUndefined(); // no tracing here (see observability-tracing.test.ts)
  });
});
