import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { db, dbConfig } from '../src/db/client.ts';
import { sqlitePath } from '../src/db/config.ts';
import { onPostgres } from './helpers/database.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';

let org: { orgId: string; apiKey: string };
beforeAll(async () => {
  org = await newOrg('errors');
});

describe('unexpected failures', () => {
  it('answer INTERNAL_SERVER_ERROR "Unexpected error." without any internals', async () => {
    // A real fault below the API: the table the resolver reads is gone.
    await db.$executeRawUnsafe('ALTER TABLE "Person" RENAME TO "PersonMoved"');
    try {
      const response = await gql('{ person(id: "ada") { id } }', {}, { auth: org.apiKey });
      expect(response.status).toBe(200);
      const error = expectError(response, 'INTERNAL_SERVER_ERROR');
      expect(error.message).toBe('Unexpected error.');
      expect(error.path).toEqual(['person']);
      const text = JSON.stringify(response);
      for (const leak of ['Person"', 'PersonMoved', 'table', 'SQL', 'prisma', 'stack', ' at ', '.ts']) {
        expect(text).not.toContain(leak);
      }
      expect(Object.keys(error.extensions ?? {})).toEqual(['code']);
    } finally {
      await db.$executeRawUnsafe('ALTER TABLE "PersonMoved" RENAME TO "Person"');
    }
    expectData(await gql('{ person(id: "ada") { id } }', {}, { auth: org.apiKey }));
  });
});

describe('variables that do not fit their type', () => {
  it('answer BAD_USER_INPUT with GraphQL’s message and the issue path rooted at the argument', async () => {
    const mint =
      'mutation M($e: Int) { mintPersonToken(input: { personId: "ada", scopes: ["user:attributes:read"], expiresInSeconds: $e }) { token } }';
    const response = await gql(mint, { e: 'soon' }, { auth: org.apiKey });
    const error = expectError(response, 'BAD_USER_INPUT');
    expect(error.message).toMatch(/^Variable "\$e" got invalid value "soon"/);
    expect(error.extensions?.issues).toEqual([{ path: ['input', 'expiresInSeconds'], message: expect.any(String) }]);
    expect(response.data ?? null).toBeNull();
  });

  it('name the field inside an input object variable, a missing one and an unknown one', async () => {
    const create = 'mutation C($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }';
    const cases: [Record<string, unknown>, string[]][] = [
      [{ id: 'x', region: 'MARS' }, ['input', 'region']],
      [
        {
          id: 'x',
          handles: [
            { type: 'EMAIL_ADDRESS', value: 'a@b.io' },
            { type: 'FAX', value: '1' },
          ],
        },
        ['input', 'handles', '1', 'type'],
      ],
      [{ id: 'x', handles: [{ type: 'USERNAME' }] }, ['input', 'handles', '0', 'value']],
      [{ id: 'x', nickname: 'y' }, ['input', 'nickname']],
    ];
    for (const [input, path] of cases) {
      const error = expectError(await gql(create, { input }, { auth: org.apiKey }), 'BAD_USER_INPUT');
      expect(
        error.extensions?.issues?.map((issue) => issue.path),
        JSON.stringify(input),
      ).toEqual([path]);
    }
    const renamed = 'query P($who: ID!) { person(id: $who) { id } }';
    const error = expectError(await gql(renamed, { who: { not: 'an id' } }, { auth: org.apiKey }), 'BAD_USER_INPUT');
    expect(error.extensions?.issues?.[0]?.path).toEqual(['id']);
  });
});

describe('a database that does not answer within 5 s', () => {
  /** Holds a lock that blocks writes to persons until released, from a connection of its own. */
  async function blockPersonWrites(): Promise<() => Promise<void>> {
    if (onPostgres) {
      const client = new pg.Client({ connectionString: dbConfig.url });
      await client.connect();
      await client.query('BEGIN');
      await client.query('LOCK TABLE "Person" IN EXCLUSIVE MODE');
      return async () => {
        await client.query('ROLLBACK');
        await client.end();
      };
    }
    const sqlite = new Database(sqlitePath(dbConfig));
    sqlite.exec('BEGIN IMMEDIATE');
    return async () => {
      sqlite.exec('ROLLBACK');
      sqlite.close();
    };
  }

  it('answers SERVICE_UNAVAILABLE, changes nothing, and works again once the database answers', async () => {
    const create = 'mutation { createPerson(input: { id: "slow" }) { person { id } } }';
    const release = await blockPersonWrites();
    let response: Awaited<ReturnType<typeof gql>>;
    const started = Date.now();
    try {
      response = await gql(create, {}, { auth: org.apiKey });
    } finally {
      await release();
    }
    const error = expectError(response, 'SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/retry/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect(await db.person.count({ where: { orgId: org.orgId, id: 'slow' } })).toBe(0);
    expectData(await gql(create, {}, { auth: org.apiKey }));
  }, 30_000);

  it('keeps serving reads while a write waits for the lock', async () => {
    const merge =
      'mutation { updatePersonAttributes(input: { personId: "reader", bucket: "end_user_read_write", attributes: { a: 1 } }) { attributes } }';
    expectData(
      await gql('mutation { createPerson(input: { id: "reader" }) { person { id } } }', {}, { auth: org.apiKey }),
    );
    const release = await blockPersonWrites();
    try {
      const waiting = gql(merge, {}, { auth: org.apiKey });
      // On SQLite the wait for another connection's lock must not block the event loop (sqlite-busy.ts).
      const started = Date.now();
      const read = await gql('{ person(id: "reader") { id } }', {}, { auth: org.apiKey });
      expect(expectData(read)).toEqual({ person: { id: 'reader' } });
      expect(Date.now() - started).toBeLessThan(1000);
      await release();
      expect(expectData(await waiting)).toEqual({ updatePersonAttributes: { attributes: { a: 1 } } });
    } catch (error) {
      await release().catch(() => {});
      throw error;
    }
  }, 30_000);
});
