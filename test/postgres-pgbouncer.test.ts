import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { adminToExit } from './helpers/attrql-process.ts';
import { onPostgres } from './helpers/database.ts';
import { findPgBouncer, startPgBouncer } from './helpers/pgbouncer.ts';
import { findPostgresBinaries, startPrivatePostgres } from './helpers/private-postgres.ts';
import { run, waitFor } from './helpers/processes.ts';
import { requireTool } from './helpers/required-tool.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson, merge, personChangesDoc, subscribeSse, untilLive } from './helpers/subscriptions.ts';
import { setMutation } from './helpers/uuid-metadata.ts';

// CONTRACT §12: DATABASE_URL through PgBouncer 1.18+ in transaction pooling mode (no ignore_startup_parameters but
// extra_float_digits), ATTRQL_DIRECT_DATABASE_URL for LISTEN and migrations. A private cluster, Debian's pgbouncer
// and two attrql processes, all on loopback; run on the PostgreSQL pass.
const bin = onPostgres
  ? requireTool('PostgreSQL server binaries (initdb, pg_ctl; set ATTRQL_PG_BINDIR)', findPostgresBinaries)
  : undefined;
const bouncerBinary = bin ? requireTool("PgBouncer (Debian's pgbouncer package)", findPgBouncer) : undefined;

const personQuery = 'query P($id: ID!) { person(id: $id) { id attributes } }';

describe.skipIf(!bin || !bouncerBinary)('attrql through PgBouncer (transaction pooling)', () => {
  let cluster: Awaited<ReturnType<typeof startPrivatePostgres>>;
  let bouncer: Awaited<ReturnType<typeof startPgBouncer>>;
  let env: { DATABASE_URL: string; ATTRQL_DIRECT_DATABASE_URL: string };
  let directUrl: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let apiKey: string;

  beforeAll(async () => {
    cluster = await startPrivatePostgres(bin as string, ['fsync=off', 'max_connections=100']);
    bouncer = await startPgBouncer(bouncerBinary as string, cluster.port);
    directUrl = cluster.url.replace(/\/postgres$/, '/attrql');
    env = { DATABASE_URL: bouncer.url('attrql'), ATTRQL_DIRECT_DATABASE_URL: directUrl };
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await bouncer?.stop();
    cluster?.destroy();
  });

  it('npm run db:migrate creates the database and applies the migrations (over the direct URL)', async () => {
    const migrated = await run('npm', ['run', '--silent', 'db:migrate'], {
      cwd: repoRoot,
      env: { ...process.env, ATTRQL_LOG: 'info', ...env },
      timeoutMs: 120_000,
    });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stderr).toMatch(/migration\(s\) applied/);
  }, 120_000);

  it('the admin CLI creates an organization through PgBouncer', async () => {
    const created = await adminToExit(['create-org', '--name', 'bouncer'], env);
    expect(created.code, created.stderr).toBe(0);
    ({ apiKey } = JSON.parse(created.stdout) as { apiKey: string });
    expect(apiKey).toMatch(/\w/);
  }, 60_000);

  it('two instances serve 240 concurrent mixed writes and reads: no error, nothing lost, one If-Match winner', async () => {
    [a, b] = await Promise.all([
      startServerProcess(env.DATABASE_URL, {
        ATTRQL_DIRECT_DATABASE_URL: directUrl,
        ATTRQL_RATE_LIMIT_PER_MINUTE: '0',
      }),
      startServerProcess(env.DATABASE_URL, {
        ATTRQL_DIRECT_DATABASE_URL: directUrl,
        ATTRQL_RATE_LIMIT_PER_MINUTE: '0',
      }),
    ]);
    const instance = (i: number) => (i % 2 === 0 ? a : b).url;
    const shared = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
    for (const id of shared) await createPerson(a.url, apiKey, id);
    const uuids = ['u0', 'u1'];
    const start: Record<string, string> = {};
    for (const uuid of uuids) {
      const set = await httpGql<{ setUuidMetadata: { uuidMetadata: { eTag: string } } }>(
        a.url,
        setMutation,
        { input: { uuid, name: 'start' } },
        apiKey,
      );
      start[uuid] = set.data?.setUuidMetadata.uuidMetadata.eTag as string;
    }

    const work: Promise<{ kind: string; code?: string; index: number }>[] = [];
    const outcome = (kind: string, index: number) => (response: Awaited<ReturnType<typeof httpGql>>) => ({
      kind,
      index,
      code: response.errors?.[0]?.extensions?.code ?? (response.errors ? 'error' : undefined),
    });
    for (let i = 0; i < 240; i += 1) {
      const url = instance(i);
      const kind = ['create', 'merge', 'merge', 'ifMatch', 'read', 'create'][i % 6] as string;
      if (kind === 'create') {
        work.push(
          httpGql(
            url,
            'mutation C($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }',
            {
              input: { id: `c${i}` },
            },
            apiKey,
          ).then(outcome(kind, i)),
        );
      } else if (kind === 'merge') {
        const input = {
          personId: shared[i % shared.length],
          bucket: 'end_user_read_write',
          attributes: { [`k${i}`]: i },
        };
        work.push(
          httpGql(
            url,
            'mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { id } } }',
            { input },
            apiKey,
          ).then(outcome(kind, i)),
        );
      } else if (kind === 'ifMatch') {
        const uuid = uuids[Math.floor(i / 6) % 2] as string;
        const input = { uuid, name: `writer ${i}`, ifMatch: start[uuid] };
        work.push(httpGql(url, setMutation, { input }, apiKey).then(outcome(`${kind}:${uuid}`, i)));
      } else {
        work.push(httpGql(url, personQuery, { id: shared[i % shared.length] }, apiKey).then(outcome(kind, i)));
      }
    }
    const outcomes = await Promise.all(work);
    const unexpected = outcomes.filter(
      (o) => o.code && !(o.kind.startsWith('ifMatch') && o.code === 'PRECONDITION_FAILED'),
    );
    expect(unexpected, `${JSON.stringify(unexpected)}\n${a.logs().slice(-3000)}\n${b.logs().slice(-3000)}`).toEqual([]);

    for (const uuid of uuids) {
      const races = outcomes.filter((o) => o.kind === `ifMatch:${uuid}`);
      const winners = races.filter((o) => o.code === undefined);
      expect(winners, uuid).toHaveLength(1);
      expect(races.length - winners.length).toBeGreaterThan(5);
      const read = await httpGql<{ uuidMetadata: { name: string } }>(
        b.url,
        'query G($uuid: ID!) { uuidMetadata(uuid: $uuid) { name } }',
        { uuid },
        apiKey,
      );
      expect(read.data?.uuidMetadata.name).toBe(`writer ${winners[0]?.index}`);
    }
    // Nothing lost: every merged key and every created person is there.
    for (const [n, id] of shared.entries()) {
      const read = await httpGql<{ person: { attributes: Record<string, Record<string, number>> } }>(
        a.url,
        personQuery,
        { id },
        apiKey,
      );
      const merged = outcomes.filter((o) => o.kind === 'merge' && o.index % shared.length === n);
      const bucket = read.data?.person.attributes.end_user_read_write ?? {};
      expect(Object.keys(bucket).sort()).toEqual(merged.map((o) => `k${o.index}`).sort());
    }
    const created = outcomes.filter((o) => o.kind === 'create');
    const pool = new pg.Client({ connectionString: directUrl });
    await pool.connect();
    try {
      const rows = await pool.query('SELECT count(*)::int AS n FROM "Person" WHERE "id" LIKE $1', ['c%']);
      expect(rows.rows[0].n).toBe(created.length);
    } finally {
      await pool.end();
    }
  }, 120_000);

  it('a subscriber on one instance gets a change written through the other within 1 s', async () => {
    const stream = subscribeSse({ url: a.url, auth: apiKey, query: personChangesDoc, variables: { personId: 's0' } });
    try {
      await untilLive(
        [stream],
        (value) => merge(b.url, apiKey, 's0', 'end_user_read_write', { value }),
        (c) => c.personId === 's0',
      );
      const before = stream.changes().length;
      const sent = Date.now();
      await merge(b.url, apiKey, 's0', 'end_user_read_write', { at: sent });
      await stream.waitForChanges(before + 1, 5000);
      expect(Date.now() - sent).toBeLessThan(1000);
    } finally {
      stream.close();
    }
  }, 60_000);

  it("attrql's statement timeout holds through PgBouncer: a write stuck on a lock is cancelled on the server", async () => {
    const locker = new pg.Client({ connectionString: directUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM "Person" WHERE "id" = $1 FOR UPDATE', ['s1']);
      const waitingOnLock = async () =>
        Number(
          (
            await locker.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'attrql' AND wait_event_type = 'Lock'",
            )
          ).rows[0].n,
        );
      const sent = Date.now();
      const stuck = httpGql(
        a.url,
        'mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { id } } }',
        { input: { personId: 's1', bucket: 'end_user_read_write', attributes: { x: 1 } } },
        apiKey,
      );
      await waitFor('the merge waiting for the row lock', async () => (await waitingOnLock()) > 0, { timeoutMs: 5000 });
      const answered = await stuck;
      expect(answered.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(Date.now() - sent).toBeLessThan(7000);
      // The server itself gave up (statement_timeout), rather than only the client: nothing waits any more.
      expect(await waitingOnLock()).toBe(0);
    } finally {
      await locker.end();
    }
  }, 30_000);
});
