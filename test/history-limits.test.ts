import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/client.ts';
import { statementCounter } from '../src/db/statement-counter.ts';
import { pruneHistory } from '../src/domain/history/retention.ts';
import { onPostgres } from './helpers/database.ts';
import { expectData, expectError, type GraphQLResponse, gql, newOrg } from './helpers/graphql.ts';
import {
  type ChangeJson,
  type ChangePageJson,
  craftCursor,
  feedPage,
  historyDoc,
  readFeed,
  readHistory,
} from './helpers/history.ts';
import { createPerson, merge } from './helpers/persons.ts';

// CONTRACT §10 and §8: page sizes 1–100, cursors that are ours and within the retention, pruning of old
// changes (ATTRQL_HISTORY_DAYS), and a fixed number of SQL statements for the history of a page of persons.

const dayMs = 86_400_000;
const savedDays = process.env.ATTRQL_HISTORY_DAYS;
afterEach(() => {
  if (savedDays === undefined) delete process.env.ATTRQL_HISTORY_DAYS;
  else process.env.ATTRQL_HISTORY_DAYS = savedDays;
});

/** BAD_USER_INPUT whose issues name exactly this argument path. */
function expectBadArgument(response: GraphQLResponse<unknown>, path: string[]): void {
  const error = expectError(response, 'BAD_USER_INPUT');
  expect(error.extensions?.issues?.map((issue) => issue.path)).toEqual([path]);
  expect(response.data ?? null).toBeNull();
}

const countChanges = async (orgId: string) =>
  Number(
    (await sql.all<{ n: number }>('SELECT COUNT(*) AS "n" FROM "PersonChange" WHERE "orgId" = $1', [orgId]))[0]?.n,
  );

// First in the file, so the rows it ages are the oldest of the log (pruning looks at the oldest rows by id).
describe('pruneHistory', () => {
  let org: Awaited<ReturnType<typeof newOrg>>;
  let kept: Awaited<ReturnType<typeof newOrg>>;

  const bulkInsert = {
    sqlite: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
      INSERT INTO "PersonChange" ("orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
      SELECT $1, 'bulk', 'UPDATED', 'e', $2, 'API_KEY', $3, '[]' FROM n`,
    postgresql: `INSERT INTO "PersonChange" ("orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
      SELECT $1, 'bulk', 'UPDATED', 'e', $2, 'API_KEY', $3, '[]' FROM generate_series(1, 2500)`,
  };

  beforeAll(async () => {
    org = await newOrg('history-prune');
    kept = await newOrg('history-prune-kept');
    // Three real changes, then aged 100 days; 2500 more rows 95 days old; then recent changes.
    await createPerson(org.apiKey, { id: 'old-1' });
    await createPerson(org.apiKey, { id: 'old-2' });
    await merge(org.apiKey, 'old-1', 'end_user_read_write', { a: 1 });
    await sql.run('UPDATE "PersonChange" SET "at" = $1 WHERE "orgId" = $2', [
      new Date(Date.now() - 100 * dayMs),
      org.orgId,
    ]);
    await sql.run(bulkInsert, [org.orgId, new Date(Date.now() - 95 * dayMs), org.keyId]);
    await merge(org.apiKey, 'old-1', 'end_user_read_write', { a: 2 });
    await merge(org.apiKey, 'old-2', 'end_user_read_write', { b: 1 });
    await createPerson(kept.apiKey, { id: 'other-org' });
    await merge(kept.apiKey, 'other-org', 'end_user_read_write', { c: 1 });
    // One recent row made 60 days old: kept with the default 90 days, pruned with 30.
    const [recent] = await sql.all<{ id: number | string }>(
      'SELECT MAX("id") AS "id" FROM "PersonChange" WHERE "orgId" = $1',
      [kept.orgId],
    );
    await sql.run('UPDATE "PersonChange" SET "at" = $1 WHERE "id" = $2', [
      new Date(Date.now() - 60 * dayMs),
      String(recent?.id),
    ]);
  });

  it('ATTRQL_HISTORY_DAYS=0 keeps everything', async () => {
    process.env.ATTRQL_HISTORY_DAYS = '0';
    expect(await pruneHistory()).toBe(0);
    expect(await countChanges(org.orgId)).toBe(2505);
  });

  it('deletes exactly the rows older than 90 days (default), in batches of 1000, and keeps the rest', async () => {
    delete process.env.ATTRQL_HISTORY_DAYS;
    const { result: deleted, statements } = await statementCounter.measure(() => pruneHistory());
    expect(deleted).toBe(2503);
    expect(statements.filter((text) => /DELETE FROM "PersonChange"/.test(text))).toHaveLength(3);
    expect(await countChanges(org.orgId)).toBe(2);
    expect(await countChanges(kept.orgId)).toBe(2);

    const feed = (await readFeed(org.apiKey)).changes;
    expect(feed.map((change) => [change.personId, change.entries.map((e) => [e.name, e.before, e.after])])).toEqual([
      ['old-1', [['a', 1, 2]]],
      ['old-2', [['b', null, 1]]],
    ]);
    expect((await readHistory(org.apiKey, 'old-1')).map((change) => change.entries[0]?.after)).toEqual([2]);
    expect(await readFeed(kept.apiKey).then((r) => r.changes.map((change) => change.kind))).toEqual([
      'CREATED',
      'UPDATED',
    ]);
    // Nothing more to prune.
    expect(await pruneHistory()).toBe(0);
  });

  it('a shorter retention prunes more', async () => {
    process.env.ATTRQL_HISTORY_DAYS = '30';
    expect(await pruneHistory()).toBe(1);
    expect(await countChanges(kept.orgId)).toBe(1);
    expect(await countChanges(org.orgId)).toBe(2);
  });
});

describe('page sizes', () => {
  let auth: string;
  beforeAll(async () => {
    auth = (await newOrg('history-first')).apiKey;
    await createPerson(auth, { id: 'sizes' });
    for (let i = 0; i < 104; i += 1) await merge(auth, 'sizes', 'end_user_read_write', { n: i });
  });

  it('personChanges: first 0 and 101 (and -1) → BAD_USER_INPUT; 1 and 100 answer that many', async () => {
    for (const first of [0, 101, -1]) expectBadArgument(await feedPage(auth, { first }), ['first']);
    const one = expectData(await feedPage(auth, { first: 1 })).personChanges;
    expect(one.nodes).toHaveLength(1);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const hundred = expectData(await feedPage(auth, { first: 100 })).personChanges;
    expect(hundred.nodes).toHaveLength(100);
    expect(hundred.pageInfo.hasNextPage).toBe(true);
    // The default is 100.
    expect(expectData(await feedPage(auth)).personChanges.nodes).toEqual(hundred.nodes);
    const rest = expectData(await feedPage(auth, { first: 100, after: hundred.pageInfo.endCursor })).personChanges;
    expect(rest.nodes).toHaveLength(5);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('history: first 0 and 101 → BAD_USER_INPUT; 1 and 100 answer that many; default 20', async () => {
    const history = (args: Record<string, unknown>) =>
      gql<{ person: { history: ChangePageJson } }>(historyDoc, { id: 'sizes', ...args }, { auth });
    for (const first of [0, 101]) {
      const response = await history({ first });
      const error = expectError(response, 'BAD_USER_INPUT');
      expect(error.extensions?.issues?.map((issue) => issue.path)).toEqual([['first']]);
    }
    expect(expectData(await history({ first: 1 })).person.history.nodes).toHaveLength(1);
    const hundred = expectData(await history({ first: 100 })).person.history;
    expect(hundred.nodes).toHaveLength(100);
    expect(hundred.pageInfo.hasNextPage).toBe(true);
    expect(expectData(await history({})).person.history.nodes).toEqual(hundred.nodes.slice(0, 20));
  });
});

describe('cursors', () => {
  let auth: string;
  let changes: ChangeJson[];
  beforeAll(async () => {
    auth = (await newOrg('history-cursors')).apiKey;
    await createPerson(auth, { id: 'cur' });
    await merge(auth, 'cur', 'end_user_read_write', { a: 1 });
    await merge(auth, 'cur', 'end_user_read_write', { a: 2 });
    changes = (await readFeed(auth)).changes;
    expect(changes).toHaveLength(3);
  });

  it('an after that is not a change cursor of ours → BAD_USER_INPUT naming ["after"], for the feed and history', async () => {
    const personsCursor = expectData(
      await gql<{ persons: { pageInfo: { endCursor: string } } }>(
        '{ persons(first: 1) { pageInfo { endCursor } } }',
        {},
        { auth },
      ),
    ).persons.pageInfo.endCursor;
    const bad = [
      'garbage!',
      'bm90LWEtY3Vyc29y',
      Buffer.from('v2:0:1:1').toString('base64url'),
      Buffer.from('v1:x:1:1').toString('base64url'),
      Buffer.from('v1:0:1').toString('base64url'),
      Buffer.from('v1:-1:1:1').toString('base64url'),
      'A'.repeat(500),
      personsCursor,
    ];
    for (const after of bad) {
      expectBadArgument(await feedPage(auth, { after }), ['after']);
      const history = await gql(historyDoc, { id: 'cur', after }, { auth });
      const error = expectError(history, 'BAD_USER_INPUT');
      expect(
        error.extensions?.issues?.map((issue) => issue.path),
        after,
      ).toEqual([['after']]);
    }
  });

  it('an after older than the retention (90 days by default) → BAD_USER_INPUT; within it, the rest of the log', async () => {
    const old = craftCursor(0, 1, Date.now() - 91 * dayMs);
    expectBadArgument(await feedPage(auth, { after: old }), ['after']);
    // Just inside the retention: accepted (the position is before every change here, so all of them follow).
    const inside = craftCursor(0, 0, Date.now() - 89 * dayMs);
    expect(expectData(await feedPage(auth, { after: inside })).personChanges.nodes).toEqual(changes);
    // A real cursor, then the same position dated 91 days ago.
    const first = changes[0] as ChangeJson;
    expect(expectData(await feedPage(auth, { after: first.cursor })).personChanges.nodes).toEqual(changes.slice(1));
    const decoded = Buffer.from(first.cursor, 'base64url').toString('utf8').split(':');
    const aged = craftCursor(decoded[1] as string, decoded[2] as string, Date.now() - 91 * dayMs);
    expectBadArgument(await feedPage(auth, { after: aged }), ['after']);
  });

  it('Person.history refuses an after older than the retention too', async () => {
    const old = craftCursor(0, 1, Date.now() - 91 * dayMs);
    const query =
      'query H($id: ID!, $after: String) { person(id: $id) { history(after: $after) { nodes { cursor } } } }';
    const personId = 'cur';
    const refused = await gql(query, { id: personId, after: old }, { auth });
    const error = expectError(refused, 'BAD_USER_INPUT');
    expect(error.extensions?.issues?.map((issue) => issue.path)).toEqual([['after']]);
    const inside = craftCursor(0, 1, Date.now() - 89 * dayMs);
    const page = expectData(
      await gql<{ person: { history: { nodes: unknown[] } } }>(query, { id: personId, after: inside }, { auth }),
    );
    expect(page.person.history.nodes).toEqual([]); // nothing is older than the first change
  });

  it('ATTRQL_HISTORY_DAYS sets the limit; 0 keeps every cursor valid', async () => {
    process.env.ATTRQL_HISTORY_DAYS = '1';
    expectBadArgument(await feedPage(auth, { after: craftCursor(0, 0, Date.now() - 2 * dayMs) }), ['after']);
    expect(
      expectData(await feedPage(auth, { after: craftCursor(0, 0, Date.now() - dayMs / 2) })).personChanges.nodes,
    ).toEqual(changes);
    process.env.ATTRQL_HISTORY_DAYS = '0';
    expect(
      expectData(await feedPage(auth, { after: craftCursor(0, 0, Date.now() - 3650 * dayMs) })).personChanges.nodes,
    ).toEqual(changes);
  });
});

describe(`statements for the history of a page of persons (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let auth: string;
  const ids = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);
  beforeAll(async () => {
    auth = (await newOrg('history-statements')).apiKey;
    for (const [i, id] of ids.entries()) {
      await createPerson(auth, { id, attributes: { end_user_read_write: { i } } });
      for (let n = 0; n < 1 + (i % 5); n += 1) await merge(auth, id, 'end_user_read_write', { n });
    }
  }, 120_000);

  const listing = `query($first: Int!) {
    persons(first: $first) {
      nodes {
        id
        history(first: 3) { nodes { cursor kind entries { name after } } pageInfo { hasNextPage endCursor } }
        attributeHistory: history(first: 2, area: ATTRIBUTE, name: "n") { nodes { cursor } }
      }
    }
  }`;
  type Listing = {
    persons: {
      nodes: {
        id: string;
        history: {
          nodes: { cursor: string; kind: string; entries: { name: string; after: unknown }[] }[];
          pageInfo: { hasNextPage: boolean };
        };
        attributeHistory: { nodes: { cursor: string }[] };
      }[];
    };
  };
  const measure = (first: number) => statementCounter.measure(() => gql<Listing>(listing, { first }, { auth }));

  it('costs the same number of SQL statements for 2 and for 20 persons, and answers each person’s own history', async () => {
    await measure(2); // warm-up
    const two = await measure(2);
    const twenty = await measure(20);
    const data = expectData(twenty.result);
    expect(expectData(two.result).persons.nodes).toHaveLength(2);
    expect(data.persons.nodes).toHaveLength(20);
    expect(twenty.count, twenty.statements.join('\n---\n')).toBe(two.count);

    for (const [i, node] of data.persons.nodes.entries()) {
      const full = await readHistory(auth, node.id);
      expect(full).toHaveLength(2 + (i % 5));
      expect(node.history.nodes.map((change) => change.cursor)).toEqual(
        full.slice(0, 3).map((change) => change.cursor),
      );
      expect(node.history.pageInfo.hasNextPage).toBe(full.length > 3);
      const merges = full.filter((change) => change.entries.some((entry) => entry.name === 'n'));
      expect(node.attributeHistory.nodes.map((change) => change.cursor)).toEqual(
        merges.slice(0, 2).map((change) => change.cursor),
      );
    }
  });
});
