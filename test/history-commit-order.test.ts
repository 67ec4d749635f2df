import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/database.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import {
  type ChangeJson,
  type ChangePageJson,
  compareCursors,
  cursorPosition,
  nonEmptyBuckets,
  personChangesDoc,
  readFeed,
  readHistory,
  replay,
} from './helpers/history.ts';
import { createPerson, merge, mergeDoc, readPerson } from './helpers/persons.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// CONTRACT §10, order and resumption: personChanges delivers changes in commit order, with no gap and no
// duplicate, and a change whose cursor is lower than one already delivered never appears later, although
// concurrent transactions commit out of start order. On PostgreSQL the cursor is (txid, id), fixed before commit,
// so a transaction that started first but commits last is the case to get right: here one is held open.

const rw = 'end_user_read_write';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!onPostgres)('PostgreSQL: a transaction that started first and commits last', () => {
  let org: Awaited<ReturnType<typeof newOrg>>;
  let auth: string;
  let client: pg.Client;

  beforeAll(async () => {
    org = await newOrg('history-commit-order');
    auth = org.apiKey;
    for (const id of ['held-raw', 'held-app', 'later']) await createPerson(auth, { id });
    client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  /** The feed after `cursor`, one page, and checks that it does not hold a lower cursor than `cursor`. */
  async function feedAfter(cursor: string | null) {
    const { changes, endCursor } = await readFeed(auth, { after: cursor });
    if (cursor) for (const change of changes) expect(compareCursors(change.cursor, cursor)).toBe(1);
    return { changes, endCursor };
  }

  it('a change recorded by a transaction still open holds back every later change, then comes first', async () => {
    const start = await feedAfter(null);
    expect(start.changes).toHaveLength(3);

    // Recorded the way record.ts does, by a transaction that stays open.
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "PersonChange" ("txid", "orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
       VALUES (pg_current_xact_id()::text::bigint, $1, 'held-raw', 'UPDATED', 'held-etag', now(), 'API_KEY', $2, $3)`,
      [org.orgId, org.keyId, JSON.stringify([{ area: 'ATTRIBUTE', bucket: rw, name: 'raw', before: null, after: 1 }])],
    );
    let heldOpen = true;
    try {
      // A later transaction commits through the API while the first one is still open.
      await merge(auth, 'later', rw, { after: 'raw' });
      // Its writer sees it in the person's history at once…
      expect((await readHistory(auth, 'later', { first: 1 }))[0]?.entries).toEqual([
        { area: 'ATTRIBUTE', bucket: rw, name: 'after', before: null, after: 'raw' },
      ]);
      // …but the feed does not deliver it before the open transaction ends: the reader's cursor stays put.
      for (let i = 0; i < 3; i += 1) {
        const waiting = await feedAfter(start.endCursor);
        expect(waiting.changes).toEqual([]);
        expect(waiting.endCursor).toBe(start.endCursor);
        await sleep(50);
      }
      await client.query('COMMIT');
      heldOpen = false;
    } finally {
      if (heldOpen) await client.query('ROLLBACK');
    }

    const after = await feedAfter(start.endCursor);
    expect(after.changes.map((change) => [change.personId, change.entries.map((entry) => entry.name)])).toEqual([
      ['held-raw', ['raw']],
      ['later', ['after']],
    ]);
    const [held, later] = after.changes as [ChangeJson, ChangeJson];
    expect(compareCursors(held.cursor, later.cursor)).toBe(-1);
    expect(cursorPosition(held.cursor).txid < cursorPosition(later.cursor).txid).toBe(true);
    // Whoever read from the start sees the same order.
    expect((await feedAfter(null)).changes.slice(3)).toEqual(after.changes);
  });

  it('a merge through the API held inside its transaction (after taking its txid) holds back a later one', async () => {
    const start = await feedAfter(null);
    // The test database gets a trigger that makes the held person's change wait on an advisory lock we hold:
    // the merge's transaction has already written (so has its txid) when it stops there.
    await client.query(`CREATE OR REPLACE FUNCTION hold_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."personId" = 'held-app' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF;
        RETURN NEW;
      END $$`);
    await client.query(`CREATE OR REPLACE TRIGGER hold_change BEFORE INSERT ON "PersonChange"
      FOR EACH ROW EXECUTE FUNCTION hold_change()`);
    await client.query('SELECT pg_advisory_lock(4242)');
    let locked = true;
    try {
      const heldMerge = gql(
        mergeDoc,
        { input: { personId: 'held-app', bucket: rw, attributes: { first: 1 } } },
        { auth },
      );
      // Wait until the merge waits on the lock (its transaction has a txid by then).
      for (let i = 0; ; i += 1) {
        const waiting = await client.query(
          `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted`,
        );
        if (waiting.rowCount) break;
        expect(i, 'the held merge never reached the trigger').toBeLessThan(200);
        await sleep(25);
      }
      const lateMerges = [
        await merge(auth, 'later', rw, { second: 2 }),
        await merge(auth, 'held-raw', rw, { third: 3 }),
      ];
      expect(lateMerges).toHaveLength(2);
      for (let i = 0; i < 3; i += 1) {
        const waiting = await feedAfter(start.endCursor);
        expect(waiting.changes).toEqual([]);
        expect(waiting.endCursor).toBe(start.endCursor);
        await sleep(50);
      }
      await client.query('SELECT pg_advisory_unlock(4242)');
      locked = false;
      expectData(await heldMerge);
    } finally {
      if (locked) await client.query('SELECT pg_advisory_unlock(4242)');
      await client.query('DROP TRIGGER IF EXISTS hold_change ON "PersonChange"');
    }

    const after = await feedAfter(start.endCursor);
    expect(after.changes.map((change) => [change.personId, change.entries.map((entry) => entry.name)])).toEqual([
      ['held-app', ['first']],
      ['later', ['second']],
      ['held-raw', ['third']],
    ]);
    expect(after.changes[0]?.eTag).toBe((await readPerson(auth, 'held-app'))?.eTag);
    for (let i = 1; i < after.changes.length; i += 1) {
      expect(compareCursors((after.changes[i - 1] as ChangeJson).cursor, (after.changes[i] as ChangeJson).cursor)).toBe(
        -1,
      );
    }
  });

  it('a rolled-back transaction leaves no change and holds nothing back once it ends', async () => {
    const start = await feedAfter(null);
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "PersonChange" ("txid", "orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
       VALUES (pg_current_xact_id()::text::bigint, $1, 'held-raw', 'UPDATED', 'x', now(), 'API_KEY', $2, '[]')`,
      [org.orgId, org.keyId],
    );
    await merge(auth, 'later', rw, { fourth: 4 });
    expect((await feedAfter(start.endCursor)).changes).toEqual([]);
    await client.query('ROLLBACK');
    const after = await feedAfter(start.endCursor);
    expect(after.changes.map((change) => [change.personId, change.entries.map((entry) => entry.name)])).toEqual([
      ['later', ['fourth']],
    ]);
  });
});

describe(`200 concurrent merges through two instances while readers follow the feed (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let second: ServerProcess | undefined;
  afterAll(async () => {
    await second?.stop();
  });

  it('every change is read exactly once, in increasing cursor order, by readers on both instances; replay = final state', async () => {
    const org = await newOrg('history-concurrent');
    const auth = org.apiKey;
    second = await startServerProcess(process.env.DATABASE_URL as string);
    const server = second;
    const persons = ['c0', 'c1', 'c2', 'c3', 'c4'];
    for (const id of persons) await createPerson(auth, { id, attributes: { [rw]: { seed: id } } });

    type Page = { personChanges: ChangePageJson };
    /** One page of the feed from instance 0 (this process) or 1 (the other process). */
    async function page(instance: number, after: string | null): Promise<ChangePageJson> {
      const variables = { first: 20, after };
      const response =
        instance === 0
          ? await gql<Page>(personChangesDoc, variables, { auth })
          : await httpGql<Page>(server.url, personChangesDoc, variables, auth);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return (response.data as Page).personChanges;
    }

    let writing = true;
    /** A reader that follows endCursor on one instance (or alternating) until the writes are over and it has caught up. */
    async function reader(pick: (round: number) => number): Promise<ChangeJson[]> {
      const seen: ChangeJson[] = [];
      let cursor: string | null = null;
      for (let round = 0; ; round += 1) {
        const done = !writing;
        const { nodes, pageInfo } = await page(pick(round), cursor);
        for (const change of nodes) {
          if (cursor) expect(compareCursors(change.cursor, cursor), 'a cursor lower than one already read').toBe(1);
          seen.push(change);
          cursor = change.cursor;
        }
        if (done && !pageInfo.hasNextPage && nodes.length === 0) return seen;
        if (!pageInfo.hasNextPage) await sleep(5);
      }
    }

    const readers = [reader(() => 0), reader(() => 1), reader((round) => round % 2)];

    // 200 merges, 8 at a time, alternating instances, on 5 persons and 6 keys: every merge writes a new value.
    let next = 0;
    const merges = 200;
    const written: { personId: string; key: string; value: string }[] = [];
    async function worker(): Promise<void> {
      for (;;) {
        const i = next;
        next += 1;
        if (i >= merges) return;
        const personId = persons[(i * 7) % persons.length] as string;
        const key = `k${i % 6}`;
        const value = `w${i}`;
        written.push({ personId, key, value });
        const variables = { input: { personId, bucket: rw, attributes: { [key]: value, [`only${i}`]: i } } };
        const response =
          i % 2 === 0 ? await gql(mergeDoc, variables, { auth }) : await httpGql(server.url, mergeDoc, variables, auth);
        expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker));
    writing = false;
    const results = await Promise.all(readers);

    const all = (await readFeed(auth)).changes;
    expect(all).toHaveLength(persons.length + merges);
    for (const seen of results) {
      expect(seen.map((change) => change.cursor)).toEqual(all.map((change) => change.cursor));
      expect(seen).toEqual(all);
    }
    // Each merge's own key appears in exactly one change, with its value.
    for (let i = 0; i < merges; i += 1) {
      const holders = all.filter((change) => change.entries.some((entry) => entry.name === `only${i}`));
      expect(holders, `merge ${i}`).toHaveLength(1);
      expect(holders[0]?.entries).toContainEqual({
        area: 'ATTRIBUTE',
        bucket: rw,
        name: `only${i}`,
        before: null,
        after: i,
      });
    }
    // Replayed, the log is every person's bucket as it ends up.
    const replayed = replay(all);
    for (const id of persons) {
      const person = await readPerson(auth, id);
      expect(nonEmptyBuckets(replayed.get(id)?.attributes ?? {}), id).toEqual(
        nonEmptyBuckets(person?.attributes ?? {}),
      );
    }
    expect(written).toHaveLength(merges);
  }, 180_000);
});
