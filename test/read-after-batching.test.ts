// CONTRACT §12's read-after token is the primary's WAL position after a write's commit. Asked once per write it
// costs every mutation a round trip; writes that finish in the same turn of the event loop share one question,
// which must still start after each of their commits (or a replica could be taken as fresh enough too early).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReadAfter, ReadRouter } from '../src/db/read-routing.ts';
import { ReplicaSet } from '../src/db/replicas.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';

describe.skipIf(!onPostgres)('read-after tokens of concurrent writes', () => {
  let pool: pg.Pool;
  let asked = 0;
  const walPosition = async () => {
    asked += 1;
    const { rows } = await pool.query('SELECT pg_current_wal_insert_lsn()::text AS "lsn"');
    const [high, low] = (rows[0].lsn as string).split('/') as [string, string];
    return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
  };
  const router = () =>
    new ReadRouter(new ReplicaSet({ urls: [], maxWaitMs: 0, maxLagMs: 0 }, walPosition), walPosition);

  beforeAll(async () => {
    const { url } = await createTestDatabase('read-after');
    pool = new pg.Pool({ connectionString: url, max: 20 });
    await pool.query('CREATE TABLE "t" ("id" serial PRIMARY KEY, "v" text)');
  });
  afterAll(async () => {
    await pool.end();
  });

  it('gives each of 16 writes that finish in one turn a token at or past its own commit, from one WAL position query', async () => {
    const reads = router();
    const committedAt = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        await pool.query('INSERT INTO "t" ("v") VALUES ($1)', [`w${i}`]); // autocommit: committed when answered
        return walPosition(); // at or past this write's commit record
      }),
    );
    asked = 0;
    const tokens = await Promise.all(committedAt.map((_, i) => reads.wrote(`credential-${i}`)));
    expect(asked).toBe(1);
    for (const [i, token] of tokens.entries()) {
      const lsn = decodeReadAfter(token);
      expect(lsn).toBeDefined();
      expect(lsn as bigint).toBeGreaterThanOrEqual(committedAt[i] as bigint);
    }
  });

  it('asks again for a write that finishes after the batch was sent, and its token covers its commit', async () => {
    const reads = router();
    asked = 0;
    const first = reads.wrote('a');
    await new Promise((resolve) => setImmediate(resolve)); // the batch's question is on its way
    await pool.query('INSERT INTO "t" ("v") VALUES ($1)', ['late']);
    const committedAt = await walPosition();
    const late = decodeReadAfter(await reads.wrote('b')) as bigint;
    await first;
    expect(asked).toBe(3); // the first batch, the test's own position, the late write's batch
    expect(late).toBeGreaterThanOrEqual(committedAt);
  });
});
