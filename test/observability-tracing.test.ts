import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { onPostgres } from './helpers/database.ts';
import { type ReceivedSpan, startOtlpReceiver } from './helpers/observability.ts';
import { call } from './helpers/rest.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson, personChangesDoc, type Stream, subscribeSse, waitFor } from './helpers/subscriptions.ts';

// CONTRACT §11, traces: a real attrql process with OTEL_EXPORTER_OTLP_ENDPOINT set exports spans to an OTLP/HTTP
// receiver in this test (JSON, and protobuf by default). The caller's W3C traceparent is continued; the request,
// GraphQL operation, statement, REST route and delivery spans carry the contract's attribute names, and no span
// carries an attribute name or value, a person id, a key or a token.

const dbSystem = onPostgres ? 'postgresql' : 'sqlite';
const secretName = 'trace_secret_name_61aa';
const secretValue = 'trace-secret-value-0c7d';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let apiKey: string;
let orgId: string;
const servers: ServerProcess[] = [];
const streams: Stream[] = [];

beforeAll(async () => {
  ({ apiKey, orgId } = await createOrganization('tracing'));
  receiver = await startOtlpReceiver();
}, 60_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  await Promise.all(servers.map((server) => server.stop()));
  await receiver?.close();
});

async function tracedServer(env: Record<string, string>) {
  const server = await startServerProcess(process.env.DATABASE_URL as string, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ATTRQL_LOG_FORMAT: 'json',
    ...env,
  });
  servers.push(server);
  return server;
}

/** A caller's W3C trace context: a new trace id and the caller's span id. */
function callerContext() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const inTrace = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);

/** Waits until the trace has a span matching `find`. */
function spanOf(traceId: string, what: string, find: (span: ReceivedSpan) => boolean): Promise<ReceivedSpan> {
  return waitFor(what, () => inTrace(traceId).find(find), { timeoutMs: 20_000, intervalMs: 100 });
}

async function postGraphql(url: string, query: string, variables: unknown, headers: Record<string, string>) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: unknown };
  expect(body.errors).toBeUndefined();
  return response;
}

const createDoc = 'mutation TracedCreate($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }';

/** Checks one traced GraphQL operation end to end; returns the person id it created. */
async function checkOperationTrace(server: ServerProcess, personId: string) {
  const caller = callerContext();
  const response = await postGraphql(
    server.url,
    createDoc,
    { input: { id: personId, attributes: { end_user_read_write: { [secretName]: secretValue } } } },
    {
      traceparent: caller.traceparent,
      tracestate: 'vendor=opaque',
      'x-request-id': `req-${personId.length}-${caller.spanId}`,
    },
  );
  expect(response.headers.get('x-request-id')).toBe(`req-${personId.length}-${caller.spanId}`);

  const request = await spanOf(caller.traceId, 'the request span', (span) => span.name === 'POST /graphql');
  expect(request.parentSpanId).toBe(caller.spanId); // the caller's trace continues
  expect(request.attributes).toMatchObject({
    'http.request.method': 'POST',
    'http.route': '/graphql',
    'http.response.status_code': 200,
    'attrql.request_id': `req-${personId.length}-${caller.spanId}`,
  });
  const operation = await spanOf(caller.traceId, 'the operation span', (span) => span.name === 'mutation TracedCreate');
  expect(operation.parentSpanId).toBe(request.spanId);
  expect(operation.attributes).toMatchObject({
    'graphql.operation.name': 'TracedCreate',
    'graphql.operation.type': 'mutation',
  });
  await spanOf(caller.traceId, 'an INSERT statement', (span) => span.attributes['db.operation.name'] === 'INSERT');
  const statements = inTrace(caller.traceId).filter((span) => 'db.system.name' in span.attributes);
  expect(statements.length).toBeGreaterThan(2);
  const ids = new Set(inTrace(caller.traceId).map((span) => span.spanId));
  for (const statement of statements) {
    expect(statement.attributes['db.system.name']).toBe(dbSystem);
    expect(typeof statement.attributes['db.query.text']).toBe('string');
    expect(ids.has(statement.parentSpanId), statement.name).toBe(true); // under the operation, in this trace
  }
  // The request's JSON log line names the trace.
  const logged = await waitFor('the request log line', () =>
    server
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.requestId === `req-${personId.length}-${caller.spanId}`),
  );
  expect(logged.traceId).toBe(caller.traceId);
}

/** No span, anywhere, carries tenant or person data, attribute names or values, or the key. */
function expectNothingSecret(personIds: string[]) {
  const exported = JSON.stringify(receiver.spans);
  for (const secret of [apiKey, orgId, secretName, secretValue, ...personIds]) {
    expect(exported.includes(secret), secret).toBe(false);
  }
}

describe('OpenTelemetry traces', () => {
  it('OTLP/HTTP JSON: request, operation and statement spans continue the caller’s trace; REST routes and deliveries are spans too', async () => {
    const server = await tracedServer({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    await checkOperationTrace(server, 'traced-json-1');
    expect(receiver.contentTypes.has('application/json')).toBe(true);

    // A REST route: its span is named after its operation id, under a request span named after its path template.
    const caller = callerContext();
    const patched = await call(server.url, 'PATCH', '/persons/traced-json-1/attributes/end_user_read_write', {
      headers: {
        'SlashID-OrgID': orgId,
        'SlashID-API-Key': apiKey,
        'Content-Type': 'application/json',
        traceparent: caller.traceparent,
      },
      body: { [secretName]: `${secretValue}-2` },
    });
    expect(patched.status).toBe(204);
    const request = await spanOf(caller.traceId, 'the REST request span', (span) => span.name.startsWith('PATCH '));
    expect(request.name).toBe('PATCH /persons/{personId}/attributes/{bucket}');
    const route = await spanOf(caller.traceId, 'the route span', (span) => span.name === 'slashid.mergeBucket');
    expect(route.parentSpanId).toBe(request.spanId);
    expect(route.attributes).toMatchObject({ 'http.route': '/persons/{personId}/attributes/{bucket}' });
    await spanOf(caller.traceId, 'a statement under the route', (span) => 'db.system.name' in span.attributes);

    // A subscription delivery.
    const stream = subscribeSse({ url: server.url, auth: apiKey, query: personChangesDoc, label: 'traced' });
    streams.push(stream);
    await waitFor(
      'a live subscription',
      async () => {
        await createPerson(server.url, apiKey, `traced-live-${randomBytes(3).toString('hex')}`);
        return stream.changes().length > 0;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    const delivery = await waitFor('a delivery span', () =>
      receiver.spans.find((span) => span.name === 'attrql.subscription.delivery'),
    );
    expect(delivery.attributes['attrql.subscription.transport']).toBe('sse');

    expectNothingSecret(['traced-json-1', ...stream.changes().map((change) => change.personId)]);
  }, 90_000);

  it('OTLP/HTTP protobuf by default (OTEL_EXPORTER_OTLP_PROTOCOL unset)', async () => {
    const server = await tracedServer({});
    await checkOperationTrace(server, 'traced-proto-1');
    expect(receiver.contentTypes.has('application/x-protobuf')).toBe(true);
    expectNothingSecret(['traced-json-1', 'traced-proto-1']);
  }, 90_000);
});
