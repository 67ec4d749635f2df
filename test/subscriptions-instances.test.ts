import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { onPostgres } from './helpers/database.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  type ChangeJson,
  createPerson,
  expectLogOrder,
  httpData,
  merge,
  personChangesDoc,
  readFeed,
  type Stream,
  subscribeSse,
  subscribeWs,
  untilLive,
} from './helpers/subscriptions.ts';

// CONTRACT §10, across instances: two attrql processes on one database (one SQLite file, or one PostgreSQL
// database). A subscriber on either receives what was committed through the other within 1 s, and under
// concurrent writes through both, every change exactly once and in log order, enough to rebuild every bucket.

let a: ServerProcess;
let b: ServerProcess;
let apiKey: string;
const streams: Stream[] = [];

beforeAll(async () => {
  ({ apiKey } = await createOrganization('instances'));
  [a, b] = await Promise.all([
    startServerProcess(process.env.DATABASE_URL as string),
    startServerProcess(process.env.DATABASE_URL as string),
  ]);
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

const track = <T extends Stream>(stream: T): T => {
  streams.push(stream);
  return stream;
};

describe(`two instances on one ${onPostgres ? 'PostgreSQL database' : 'SQLite file'}`, () => {
  it('delivers a change written through the other instance within 1 s', async () => {
    await createPerson(a.url, apiKey, 'x-probe');
    await createPerson(a.url, apiKey, 'x-target');
    const onA = track(subscribeSse({ url: a.url, auth: apiKey, query: personChangesDoc, label: 'SSE on A' }));
    const onB = track(subscribeWs({ url: b.url, auth: apiKey, query: personChangesDoc, label: 'WS on B' }));
    await untilLive(
      [onA, onB],
      (value) => merge(a.url, apiKey, 'x-probe', 'end_user_read_write', { value }),
      (change) => change.personId === 'x-probe',
    );
    const latencies: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      const [writer, reader] = round % 2 === 0 ? [b, onA] : [a, onB];
      const value = `round-${round}`;
      const sent = Date.now();
      await merge(writer.url, apiKey, 'x-target', 'end_user_read_write', { value });
      await reader.waitForChange(value, (change) => change.entries.some((entry) => entry.after === value), 5000);
      latencies.push(Date.now() - sent);
    }
    for (const latency of latencies) expect(latency, `latencies ${latencies.join(', ')} ms`).toBeLessThan(1000);
  });

  it('delivers 200 concurrent merges through both instances to a subscriber on each: each once, in order', async () => {
    const persons = ['c0', 'c1', 'c2', 'c3', 'c4'];
    const buckets = ['end_user_read_write', 'end_user_no_access'];
    // The cursor before anything of these persons: the subscribers replay from there, so they see them created.
    await createPerson(a.url, apiKey, 'c-before');
    const start = (await readFeed(a.url, apiKey)).end;
    const onA = track(
      subscribeSse({ url: a.url, auth: apiKey, query: personChangesDoc, variables: { after: start }, label: 'A' }),
    );
    const onB = track(
      subscribeWs({ url: b.url, auth: apiKey, query: personChangesDoc, variables: { after: start }, label: 'B' }),
    );
    for (const id of persons) await createPerson(id === 'c1' ? b.url : a.url, apiKey, id);
    await Promise.all([onA.waitForChanges(persons.length), onB.waitForChanges(persons.length)]);

    const merges = Array.from({ length: 200 }, (_, i) => ({
      via: i % 2 === 0 ? a : b,
      personId: persons[i % persons.length] as string,
      bucket: buckets[Math.floor(i / persons.length) % buckets.length] as string,
      attributes: { [`k${i % 7}`]: `v${i}`, ...(i % 3 === 0 ? { [`k${(i + 1) % 7}`]: `w${i}` } : {}) },
    }));
    let next = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (next < merges.length) {
        const m = merges[next++] as (typeof merges)[number];
        await merge(m.via.url, apiKey, m.personId, m.bucket, m.attributes).catch((error: Error) => {
          failures.push(error.message);
        });
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(failures).toEqual([]);

    const expected = (await readFeed(a.url, apiKey, start)).changes;
    expect(expected.length).toBe(persons.length + merges.length);
    // A last change after them all: once it arrived, anything duplicated or out of order would have shown up before it.
    await merge(b.url, apiKey, 'c-before', 'end_user_read_write', { marker: true });
    for (const stream of [onA, onB]) {
      await stream.waitForChange('the marker', (change) => change.personId === 'c-before', 30_000);
      const received = stream.changes().slice(0, -1);
      expectLogOrder(received, stream.label);
      expect(received.length, stream.label).toBe(expected.length);
      expect(received.map((change) => change.cursor)).toEqual(expected.map((change) => change.cursor));
      expect(received).toEqual(expected);
    }

    // Replaying what a subscriber received, from nothing, gives every person's buckets as GraphQL shows them.
    const replayed = replayAttributes(onB.changes().slice(0, -1));
    for (const id of persons) {
      const data = await httpData<{ person: { attributes: Record<string, Record<string, unknown>> } }>(
        b.url,
        apiKey,
        'query P($id: ID!) { person(id: $id) { attributes } }',
        { id },
      );
      expect(nonEmpty(replayed.get(id) ?? {}), id).toEqual(nonEmpty(data.person.attributes));
      expect(Object.keys(nonEmpty(data.person.attributes)).sort(), id).toEqual([...buckets].sort());
    }
    // And every merged value is there, or was overwritten by a later merge of the same key.
    const values = onA.changes().flatMap((change) => change.entries.map((entry) => entry.after));
    for (const m of merges) for (const value of Object.values(m.attributes)) expect(values).toContain(value);
  });

  // PostgreSQL orders the feed by transaction id and delivers nothing above the oldest running transaction. One
  // in another database of the same server can never write here, and must not hold delivery back.
  it.runIf(onPostgres)('delivers within 1 s while another database of the server has a long transaction', async () => {
    await createPerson(a.url, apiKey, 'x-other-db');
    const onA = track(
      subscribeSse({ url: a.url, auth: apiKey, query: personChangesDoc, variables: { personId: 'x-other-db' } }),
    );
    await untilLive(
      [onA],
      (value) => merge(a.url, apiKey, 'x-other-db', 'end_user_read_write', { value }),
      (change) => change.personId === 'x-other-db',
    );
    const other = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()'); // now it holds the server's oldest transaction id
      const latencies: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        const value = `beside-${round}`;
        const sent = Date.now();
        await merge(round % 2 === 0 ? a.url : b.url, apiKey, 'x-other-db', 'end_user_read_write', { value });
        await onA.waitForChange(value, (change) => change.entries.some((entry) => entry.after === value), 5000);
        latencies.push(Date.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 300)); // the next write finds the feed settled
      }
      for (const latency of latencies) expect(latency, `latencies ${latencies.join(', ')} ms`).toBeLessThan(1000);
      // The personChanges query, read from the start, holds them too.
      const feed = await readFeed(b.url, apiKey, null, 'x-other-db');
      expect(feed.changes.flatMap((change) => change.entries.map((entry) => entry.after))).toContain('beside-2');
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });
});

/** Each person's buckets after the changes, checking each entry's `before` against what the replay holds. */
function replayAttributes(changes: readonly ChangeJson[]) {
  const persons = new Map<string, Record<string, Record<string, unknown>>>();
  for (const change of changes) {
    if (change.kind === 'CREATED') {
      expect(persons.has(change.personId), `${change.cursor} created ${change.personId} twice`).toBe(false);
      persons.set(change.personId, {});
    }
    const buckets = persons.get(change.personId);
    expect(buckets, `${change.cursor}: ${change.personId} before its creation`).toBeDefined();
    if (!buckets) continue;
    for (const entry of change.entries) {
      if (entry.area !== 'ATTRIBUTE') continue;
      const name = entry.bucket as string;
      buckets[name] ??= {};
      const bucket = buckets[name] as Record<string, unknown>;
      expect(entry.before, `${change.cursor} ${entry.bucket}.${entry.name}: before`).toEqual(
        bucket[entry.name] ?? null,
      );
      if (entry.after === null) delete bucket[entry.name];
      else bucket[entry.name] = entry.after;
    }
  }
  return persons;
}

const nonEmpty = (buckets: Record<string, Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(buckets).filter(([, values]) => Object.keys(values).length > 0));
