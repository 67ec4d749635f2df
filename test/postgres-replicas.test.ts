import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { onPostgres } from './helpers/database.ts';
import { findPostgresBinaries, startPrivatePostgres } from './helpers/private-postgres.ts';
import { waitFor } from './helpers/processes.ts';
import { requireTool } from './helpers/required-tool.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson } from './helpers/subscriptions.ts';

// CONTRACT §12: reads from a streaming replica (pg_basebackup -R of a private primary), read-your-writes with and
// without the attrql-read-after token, and a replica that pauses or stops never failing a request. Two attrql
// processes, both with ATTRQL_READ_REPLICA_URLS. Run on the PostgreSQL pass.
const bin = onPostgres
  ? requireTool(
      'PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup; set ATTRQL_PG_BINDIR)',
      findPostgresBinaries,
    )
  : undefined;

type Cluster = Awaited<ReturnType<typeof startPrivatePostgres>>;
const personDoc = 'query P($id: ID!) { person(id: $id) { id attributes } }';
const mergeDoc = `mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { id } } }`;

/** One GraphQL request over HTTP, with its response headers. */
async function post(url: string, auth: string, query: string, variables: object, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  return { status: response.status, headers: response.headers, ...body };
}

/** The value the person's end_user_read_write bucket holds under `key`. */
async function readValue(url: string, auth: string, id: string, headers: Record<string, string> = {}) {
  const read = await post(url, auth, personDoc, { id }, headers);
  expect(read.errors, JSON.stringify(read.errors)).toBeUndefined();
  const person = read.data?.person as { attributes: Record<string, Record<string, unknown>> };
  return person.attributes.end_user_read_write?.v;
}

/** attrql_db_reads_total{target} of an instance. */
async function readsBy(url: string, target: 'primary' | 'replica'): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`attrql_db_reads_total{target="${target}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function health(url: string) {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as { replicas?: { state: string }[] } };
}

describe.skipIf(!bin)('reads from a streaming replica', () => {
  let primary: Cluster;
  let replica: Cluster;
  let a: ServerProcess;
  let b: ServerProcess;
  let apiKey: string;
  let orgId: string;
  let otherKey: string;
  let onReplica: pg.Client;

  /** Read-only transactions the replica's database has counted (its statistics arrive within a second). */
  const replicaXacts = async () => {
    await onReplica.query('SELECT pg_stat_clear_snapshot()');
    const row = await onReplica.query("SELECT xact_commit::int AS n FROM pg_stat_database WHERE datname = 'postgres'");
    return Number(row.rows[0].n);
  };

  beforeAll(async () => {
    primary = await startPrivatePostgres(bin as string, ['fsync=off']);
    const org = JSON.parse((await runAdmin(['create-org', '--name', 'replicas'], primary.url)).stdout);
    apiKey = org.apiKey;
    orgId = org.orgId;
    otherKey = JSON.parse((await runAdmin(['create-api-key', '--org', org.orgId], primary.url)).stdout).apiKey;
    replica = await startPrivatePostgres(bin as string, ['fsync=off'], { basebackupOf: primary.port });
    onReplica = new pg.Client({ connectionString: replica.url });
    onReplica.on('error', () => {});
    await onReplica.connect();
    const env = { ATTRQL_READ_REPLICA_URLS: replica.url, ATTRQL_RATE_LIMIT_PER_MINUTE: '0' };
    [a, b] = await Promise.all([startServerProcess(primary.url, env), startServerProcess(primary.url, env)]);
    for (const id of ['p1', 'p2', 'p3']) await createPerson(a.url, apiKey, id);
    for (const instance of [a, b]) {
      await waitFor(
        'the replica healthy',
        async () => (await health(instance.url)).body.replicas?.[0]?.state === 'healthy',
        {
          timeoutMs: 10_000,
        },
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await onReplica?.end().catch(() => {});
    replica?.destroy();
    primary?.destroy();
  });

  it('queries of a credential that has not just written are answered by the replica', async () => {
    const before = { xacts: await replicaXacts(), replica: await readsBy(b.url, 'replica') };
    for (let i = 0; i < 40; i += 1) await readValue(b.url, apiKey, 'p1');
    expect((await readsBy(b.url, 'replica')) - before.replica).toBeGreaterThanOrEqual(40);
    await waitFor('40 transactions on the replica', async () => (await replicaXacts()) - before.xacts >= 40, {
      timeoutMs: 5000,
    });
    const body = (await health(b.url)).body;
    expect(body.replicas).toEqual([expect.objectContaining({ state: 'healthy', lagMs: expect.any(Number) })]);
  }, 30_000);

  it('every mutation response carries an attrql-read-after token (GraphQL and REST)', async () => {
    const merged = await post(
      a.url,
      apiKey,
      mergeDoc,
      { input: { personId: 'p2', bucket: 'end_user_read_write', attributes: { v: -1 } } },
      { origin: 'https://app.example' },
    );
    expect(merged.headers.get('access-control-expose-headers')).toContain('attrql-read-after');
    const again = await post(a.url, apiKey, mergeDoc, {
      input: { personId: 'p2', bucket: 'end_user_read_write', attributes: { v: 0 } },
    });
    expect(again.errors).toBeUndefined();
    expect(again.headers.get('attrql-read-after')).toMatch(/^[\w-]+$/);
    expect(again.headers.get('attrql-read-after')).not.toBe(merged.headers.get('attrql-read-after'));
    const read = await post(a.url, apiKey, personDoc, { id: 'p2' });
    expect(read.headers.get('attrql-read-after')).toBeNull();
    const rest = await fetch(`${a.url}/persons/p2/attributes/end_user_read_write`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'slashid-orgid': orgId, 'slashid-api-key': apiKey },
      body: JSON.stringify({ w: 1 }),
    });
    expect(`${rest.status} ${rest.headers.get('attrql-read-after')}`).toMatch(/^204 [\w-]+$/);
  });

  it('with replay paused: the writer reads its write (same instance; other instance with the token), others are answered at once', async () => {
    await onReplica.query('SELECT pg_wal_replay_pause()');
    try {
      const written = await post(a.url, apiKey, mergeDoc, {
        input: { personId: 'p3', bucket: 'end_user_read_write', attributes: { v: 'new' } },
      });
      expect(written.errors).toBeUndefined();
      const token = written.headers.get('attrql-read-after') as string;

      // (a) the same credential on the same instance, without any header
      const primaryBefore = await readsBy(a.url, 'primary');
      expect(await readValue(a.url, apiKey, 'p3')).toBe('new');
      expect(await readsBy(a.url, 'primary')).toBeGreaterThan(primaryBefore);
      // (b) the other instance, given the token
      expect(await readValue(b.url, apiKey, 'p3', { 'attrql-read-after': token })).toBe('new');
      // the replica really is behind: without the token, the other instance answers from it
      expect(await readValue(b.url, apiKey, 'p3')).toBeUndefined();
      // a credential that wrote nothing is answered at once, from the replica
      const replicaBefore = await readsBy(a.url, 'replica');
      const started = performance.now();
      expect(await readValue(a.url, otherKey, 'p3')).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(300);
      expect(await readsBy(a.url, 'replica')).toBeGreaterThan(replicaBefore);
    } finally {
      await onReplica.query('SELECT pg_wal_replay_resume()');
    }
  }, 30_000);

  it('a replica stopped under read load fails no request, /health stays 200, and it takes reads again after its restart', async () => {
    let failures: string[] = [];
    let reading = true;
    const load = [a, b, a, b].map(async (instance) => {
      while (reading) {
        const read = await post(instance.url, otherKey, personDoc, { id: 'p1' }).catch((error: Error) => ({
          status: 0,
          errors: [error.message],
        }));
        if (read.status !== 200 || read.errors) failures.push(`${read.status} ${JSON.stringify(read.errors)}`);
      }
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      onReplica.end().catch(() => {});
      replica.stop();
      for (const instance of [a, b]) {
        await waitFor(
          'the replica unreachable',
          async () => (await health(instance.url)).body.replicas?.[0]?.state === 'unreachable',
          {
            timeoutMs: 5000,
          },
        );
        expect((await health(instance.url)).status).toBe(200);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(failures).toEqual([]);
      replica.start();
      const restarted = Date.now();
      const replicaBefore = await readsBy(b.url, 'replica');
      await waitFor('reads on the replica again', async () => (await readsBy(b.url, 'replica')) > replicaBefore + 20, {
        timeoutMs: 15_000,
      });
      expect(Date.now() - restarted).toBeLessThan(10_000);
    } finally {
      reading = false;
      await Promise.all(load);
    }
    expect(failures).toEqual([]);
    failures = [];
  }, 60_000);
});
