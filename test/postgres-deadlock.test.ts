import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dbConfig } from '../src/db/client.ts';
import { yoga } from '../src/server.ts';
import { onPostgres } from './helpers/database.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { samples, sampleValue } from './helpers/observability.ts';
import { setGroupsDoc } from './helpers/persons.ts';

/** Polls until `check` is true (10 s at most). */
async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// SQLite has one writer at a time and no deadlocks; this is PostgreSQL's (40P01).
describe.skipIf(!onPostgres)('a PostgreSQL deadlock', () => {
  const other = new pg.Client({ connectionString: dbConfig.url, application_name: 'deadlock-test' });
  afterAll(() => other.end());

  const deadlocks = async () =>
    Number(
      (await other.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()')).rows[0]
        ?.deadlocks,
    );

  it('is retried: the write PostgreSQL chose as the victim succeeds once the other transaction ends', async () => {
    const org = await newOrg('deadlock');
    expectData(
      await gql(
        'mutation { createPerson(input: { id: "d", groups: ["aa", "bb"] }) { person { id } } }',
        {},
        { auth: org.apiKey },
      ),
    );
    await other.connect();
    const before = await deadlocks();

    // The other transaction holds the person's group rows; attrql's setPersonGroups locks the person first and
    // then waits for them. The other then asks for the person's row: a cycle, which PostgreSQL breaks after
    // deadlock_timeout (1 s) by aborting the transaction that waited first, attrql's.
    await other.query('BEGIN');
    await other.query('SELECT 1 FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" = $2 FOR UPDATE', [
      org.orgId,
      'd',
    ]);
    const write = gql(setGroupsDoc, { input: { personId: 'd', groups: ['cc'] } }, { auth: org.apiKey });
    await until(async () => {
      const waiting = await other.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'attrql' AND wait_event_type = 'Lock'`,
      );
      return (waiting.rowCount ?? 0) > 0;
    });
    await other.query('UPDATE "Person" SET "updatedAt" = "updatedAt" WHERE "orgId" = $1 AND "id" = $2', [
      org.orgId,
      'd',
    ]);
    await other.query('COMMIT');

    const result = expectData(await write) as { setPersonGroups: { person: { groups: string[] } } };
    expect(result.setPersonGroups.person.groups).toEqual(['cc']);
    await until(async () => (await deadlocks()) > before);

    // /metrics counts the retry (CONTRACT §11), and the aborted attempt as a rolled-back transaction.
    const all = samples(await (await yoga.fetch('http://attrql.test/metrics')).text());
    expect(sampleValue(all, 'attrql_db_transaction_retries_total', { db_system: 'postgresql' })).toBe(1);
    const rolledBack = { db_system: 'postgresql', outcome: 'rollback' };
    expect(sampleValue(all, 'attrql_db_transaction_duration_seconds_count', rolledBack)).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
