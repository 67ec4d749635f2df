import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { drainTimeoutMs } from '../src/drain.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  createPerson,
  merge,
  personChangesDoc,
  type Stream,
  subscribeGraphqlSse,
  subscribeSse,
  subscribeWs,
  untilLive,
  wsClient,
} from './helpers/subscriptions.ts';

// CONTRACT §10 and §1: SIGTERM with subscriptions open over SSE and WebSocket. Each subscriber is told to resume
// elsewhere (SERVICE_UNAVAILABLE, then complete; the WebSocket then closes with 1001), and the process exits 0
// well within the drain time instead of waiting on streams that never end.

let server: ServerProcess;
let apiKey: string;
const streams: Stream[] = [];

beforeAll(async () => {
  ({ apiKey } = await createOrganization('shutdown'));
  server = await startServerProcess(process.env.DATABASE_URL as string);
  await createPerson(server.url, apiKey, 'probe');
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  await server?.stop();
});

it('ends open SSE and WebSocket subscriptions with SERVICE_UNAVAILABLE and exits 0 within the drain time', async () => {
  const { url } = server;
  const sse = Array.from({ length: 10 }, (_, i) =>
    subscribeSse({ url, auth: apiKey, query: personChangesDoc, label: `sse #${i}` }),
  );
  const ws = Array.from({ length: 10 }, (_, i) =>
    subscribeWs({ url, auth: apiKey, query: personChangesDoc, label: `ws #${i}` }),
  );
  // Several subscriptions on one socket, and a graphql-sse client.
  const shared = wsClient(url, { Authorization: `Bearer ${apiKey}` });
  const multiplexed = Array.from({ length: 5 }, (_, i) =>
    subscribeWs({ url, client: shared, query: personChangesDoc, label: `shared ws #${i}` }),
  );
  const library = subscribeGraphqlSse({ url, auth: apiKey, query: personChangesDoc, label: 'graphql-sse' });
  const all = [...sse, ...ws, ...multiplexed, library];
  streams.push(...all);
  await untilLive(
    all,
    (value) => merge(url, apiKey, 'probe', 'end_user_read_write', { value }),
    (change) => change.personId === 'probe',
  );
  // A socket with nothing open on it (a non-lazy client keeps it) must not hold the drain either.
  let idleClosed: number | null = null;
  const idle = wsClient(
    url,
    { Authorization: `Bearer ${apiKey}` },
    (code) => {
      idleClosed = code;
    },
    false,
  );
  await new Promise<void>((resolve) => idle.on('connected', () => resolve()));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    server.process.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const signalled = Date.now();
  server.process.kill('SIGTERM');
  const { code, signal } = await exited;
  const took = Date.now() - signalled;
  expect({ code, signal }, server.logs()).toEqual({ code: 0, signal: null });
  // Well within: nothing waits for a client to hang up (fetch's keep-alive would close idle sockets after 4 s).
  expect(took, server.logs()).toBeLessThan(drainTimeoutMs - 2000);
  expect(server.logs()).toMatch(/received SIGTERM[\s\S]*stopped/);

  for (const stream of all) {
    await stream.waitForEnd(2000);
    expect(stream.errorCodes(), stream.describe()).toEqual(['SERVICE_UNAVAILABLE']);
    expect(stream.completed, stream.describe()).toBe(true);
    expect(stream.results.at(-1)?.errors?.[0]?.message).toMatch(/shutting down/);
  }
  // The WebSockets were then closed as "going away": their clients may reconnect to another instance.
  for (const stream of ws) expect(stream.closeCode, stream.describe()).toBe(1001);
  expect(idleClosed).toBe(1001);
  await shared.dispose();
  await idle.dispose();
});
