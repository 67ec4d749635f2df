import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';
import { expectAlive, msUntilHealthy } from './helpers/faults.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { startSlowProxy } from './helpers/slow-proxy.ts';
import { createPerson } from './helpers/subscriptions.ts';

// attrql reaches PostgreSQL through a proxy of the test's that first delays every packet, then stops forwarding.
// PostgreSQL itself is never touched (a database of the test's own on the shared server). SQLite has no network.

const mergeDoc = `mutation Merge($input: UpdatePersonAttributesInput!) {
  updatePersonAttributes(input: $input) { person { id } }
}`;
const bucketDoc = 'query Bucket($id: ID!) { person(id: $id) { bucket(name: "end_user_no_access") } }';

describe.skipIf(!onPostgres)('a slow, then stuck, network to PostgreSQL', () => {
  let proxy: Awaited<ReturnType<typeof startSlowProxy>>;
  let server: ServerProcess;
  let apiKey: string;

  const merge = async (key: string, value: number) => {
    const started = performance.now();
    const response = await httpGql(
      server.url,
      mergeDoc,
      { input: { personId: 'p0', bucket: 'end_user_no_access', attributes: { [key]: value } } },
      apiKey,
    );
    return { response, ms: performance.now() - started };
  };
  const bucket = async () => {
    const started = performance.now();
    const response = await httpGql<{ person: { bucket: Record<string, unknown> } }>(
      server.url,
      bucketDoc,
      { id: 'p0' },
      apiKey,
    );
    return { response, bucket: response.data?.person.bucket, ms: performance.now() - started };
  };

  beforeAll(async () => {
    const database = await createTestDatabase('slow');
    apiKey = JSON.parse((await runAdmin(['create-org', '--name', 'slow'], database.url)).stdout).apiKey;
    const url = new URL(database.url);
    proxy = await startSlowProxy(Number(url.port || 5432));
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    server = await startServerProcess(url.toString(), { ATTRQL_RATE_LIMIT_PER_MINUTE: '0' });
    await createPerson(server.url, apiKey, 'p0');
  }, 120_000);

  afterAll(async () => {
    proxy?.resume();
    await server?.stop();
    await proxy?.close();
  });

  it('300 ms per round trip: requests slow down and stay correct', async () => {
    proxy.delay(150); // each way
    const writes = await Promise.all([merge('slow0', 0), merge('slow1', 1), merge('slow2', 2)]);
    for (const write of writes) expect(write.response.errors).toBeUndefined();
    const read = await bucket();
    expect(read.bucket).toMatchObject({ slow0: 0, slow1: 1, slow2: 2 });
    // A merge is several round trips (BEGIN, statements, COMMIT): it takes more than one.
    expect(Math.min(...writes.map((write) => write.ms))).toBeGreaterThanOrEqual(300);
    expect(read.ms).toBeGreaterThanOrEqual(300);
    console.log(JSON.stringify({ mergeMs: writes.map((write) => Math.round(write.ms)), readMs: Math.round(read.ms) }));
    proxy.delay(0);
  }, 60_000);

  it('a stall: the 5 s database timeout answers SERVICE_UNAVAILABLE, nothing is stored, and it recovers', async () => {
    proxy.stall();
    const [write, read, health] = await Promise.all([
      merge('stalled', 1),
      bucket(),
      fetch(`${server.url}/health`).then((response) => response.status),
    ]);
    expect(write.response.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(read.response.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(health).toBe(503);
    // The timeout is 5 s (connect or statement; the driver's own read timeout 5.5 s), not "forever".
    for (const ms of [write.ms, read.ms]) {
      expect(ms).toBeGreaterThanOrEqual(4500);
      expect(ms).toBeLessThan(15_000);
    }
    console.log(JSON.stringify({ stalledMergeMs: Math.round(write.ms), stalledReadMs: Math.round(read.ms) }));

    proxy.resume();
    const healthyMs = await msUntilHealthy(server.url);
    expect((await merge('resumed', 2)).response.errors).toBeUndefined();
    const after = await bucket();
    expect(after.bucket?.resumed).toBe(2);
    expect(after.bucket?.stalled).toBeUndefined();
    expectAlive(server);
    console.log(JSON.stringify({ healthyAfterResumeMs: healthyMs }));
  }, 60_000);
});
