import { type ClientRequest, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/domain/organizations.ts';
import { newOrg } from './helpers/graphql.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// Issue 23 (fan-out): an idle subscription costs the process no periodic work. Its credential is checked every 2 s
// once per credential for all its subscriptions, not by a timer and a wake-up of each one (5,000 idle SSE
// subscriptions took about a quarter of a core that way). A real attrql process counts the timers it schedules
// (helpers/timer-probe.ts) while 300 subscriptions over 3 API keys stay open and idle.

const subscriptions = 300;
const perKey = 100;

let server: ServerProcess;
let keys: string[];
const open: ClientRequest[] = [];

beforeAll(async () => {
  const org = await newOrg('idle-subscriptions');
  keys = [org.apiKey];
  while (keys.length * perKey < subscriptions) keys.push((await createApiKey(org.orgId)).apiKey);
  // Production: the SSE keep-alive comment every 12 s, not the tests' every 300 ms (sse-event-ids.ts).
  server = await startServerProcess(
    process.env.DATABASE_URL as string,
    { ATTRQL_LOG: 'warn', NODE_ENV: 'production' },
    { entry: 'test/helpers/timer-probe.ts', ipc: true },
  );
});

afterAll(async () => {
  for (const req of open) req.destroy();
  await server?.stop();
});

function timersScheduled(): Promise<number> {
  return new Promise((resolve) => {
    server.process.once('message', (message) => resolve((message as { scheduled: number }).scheduled));
    server.process.send?.('timers');
  });
}

/** Opens one SSE subscription to the organization's whole feed; resolves when the stream started (200). */
function subscribe(index: number): Promise<void> {
  const target = new URL('/graphql', server.url);
  return new Promise((resolve, reject) => {
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
        if (res.statusCode !== 200) return reject(new Error(`subscription ${index}: HTTP ${res.statusCode}`));
        res.resume();
        resolve();
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query: 'subscription { personChanges { cursor personId } }' }));
    open.push(req);
  });
}

describe('idle subscriptions', () => {
  it('300 idle SSE subscriptions schedule no timer of their own while they wait (6 s, three credential checks)', async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < subscriptions) await subscribe(next++);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = await timersScheduled();
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const during = (await timersScheduled()) - before;
    // A timer per subscription per check would be 900; what the process schedules for itself stays far below.
    expect(during).toBeLessThan(subscriptions / 3);
    // Still open: nothing ended them meanwhile.
    expect(open.every((req) => !req.destroyed)).toBe(true);
  }, 90_000);
});
