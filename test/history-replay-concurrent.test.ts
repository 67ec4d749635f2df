import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/database.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { expectReplayedAsStored, replay } from './helpers/history.ts';
import { createRoleDoc, readPerson } from './helpers/persons.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  type ChangeJson,
  expectLogOrder,
  merge,
  personChangesDoc,
  readFeed,
  type Stream,
  subscribeSse,
  subscribeWs,
} from './helpers/subscriptions.ts';
import { type AttributeJson, createAttribute } from './helpers/user-attributes.ts';

// CONTRACT §10 under real concurrency: for one person, the log's order is the order in which its writes took
// effect. Many writers through two attrql processes on one database write few persons and the SAME keys (merge,
// replace, delete keys, uuid metadata, user attribute values, patch person); replayed key by key from the start,
// every entry's `before` is the previous entry's `after` for that key, and the replay ends where the database is.
// The same holds for what a live subscriber on each instance received. (PostgreSQL orders the log by transaction
// id, which a transaction gets at its first write: without the person's writer lock taken before that write, two
// writers queued on one person could hold ids in the opposite order of their turns; person-lock.ts.)

const persons = ['r0', 'r1', 'r2'];
const buckets = ['end_user_read_write', 'end_user_no_access'];
const bursts = 3;
const writesPerBurst = 60;
const writers = 12;

let a: ServerProcess;
let b: ServerProcess;
let auth: string;
let locale: AttributeJson;
const streams: Stream[] = [];

beforeAll(async () => {
  ({ apiKey: auth } = await newOrg('replay-concurrent'));
  [a, b] = await Promise.all([
    startServerProcess(process.env.DATABASE_URL as string),
    startServerProcess(process.env.DATABASE_URL as string),
  ]);
  for (const name of ['admin', 'editor']) expectData(await gql(createRoleDoc, { input: { name } }, { auth }));
  locale = await createAttribute(auth, { name: 'locale' });
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/** One write of a random kind, through `via`, on a random one of the persons; `n` makes its values new. */
function randomWrite(n: number): { what: string; via: ServerProcess; run: () => Promise<unknown> } {
  const via = n % 2 === 0 ? a : b;
  const personId = persons[Math.floor(Math.random() * persons.length)] as string;
  const bucket = buckets[Math.floor(Math.random() * buckets.length)] as string;
  const send = (query: string, input: Record<string, unknown>) => mutation(via, query, input);
  const roll = Math.random();
  const write = (what: string, run: () => Promise<unknown>) => ({ what: `${what} ${personId} #${n}`, via, run });
  if (roll < 0.35) {
    return write('merge', () => send(updateDoc, { personId, bucket, attributes: { shared: n, [`k${n % 3}`]: n } }));
  }
  if (roll < 0.45) return write('replace', () => send(replaceDoc, { personId, bucket, attributes: { shared: n } }));
  if (roll < 0.55) return write('delete keys', () => send(deleteDoc, { personId, bucket, names: ['shared', 'k1'] }));
  if (roll < 0.7) {
    return write('uuid metadata', () =>
      send(setMetadataDoc, { uuid: personId, name: `name-${n}`, ...(n % 3 === 0 ? { status: null } : {}) }),
    );
  }
  if (roll < 0.78) return write('remove uuid metadata', () => send(removeMetadataDoc, { uuid: personId }));
  if (roll < 0.88) {
    const input = { userId: personId, userAttributeId: locale.id };
    return n % 4 === 0
      ? write('delete user value', () => send(deleteValueDoc, input))
      : write('set user value', () => send(setValueDoc, { ...input, value: `v${n}` }));
  }
  if (roll < 0.95) {
    const roles = [[], ['admin'], ['editor', 'admin']][n % 3];
    return write('patch person', () => send(patchDoc, { personId, active: n % 2 === 0, roles }));
  }
  return write('set groups', () => send(groupsDoc, { personId, groups: [['gold'], [], ['silver', 'gold']][n % 3] }));
}

const createPersonDoc = `mutation($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }`;
const updateDoc = `mutation($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { id } } }`;
const replaceDoc = `mutation($input: UpdatePersonAttributesInput!) { setPersonAttributes(input: $input) { person { id } } }`;
const deleteDoc = `mutation($input: DeletePersonAttributesInput!) { deletePersonAttributes(input: $input) { person { id } } }`;
const setMetadataDoc = `mutation($input: SetUuidMetadataInput!) { setUuidMetadata(input: $input) { uuidMetadata { id } } }`;
const removeMetadataDoc = `mutation($input: RemoveUuidMetadataInput!) { removeUuidMetadata(input: $input) { uuid } }`;
const setValueDoc = `mutation($input: SetUserAttributeValueInput!) { setUserAttributeValue(input: $input) { value { name } } }`;
const deleteValueDoc = `mutation($input: DeleteUserAttributeValueInput!) { deleteUserAttributeValue(input: $input) { value { name } } }`;
const patchDoc = `mutation($input: PatchPersonInput!) { patchPerson(input: $input) { person { id } } }`;
const deleteAttributeDoc = `mutation($input: DeleteUserAttributeInput!) { deleteUserAttribute(input: $input) { deletedUserAttributeId } }`;
const groupsDoc = `mutation($input: SetPersonGroupsInput!) { setPersonGroups(input: $input) { person { id } } }`;

async function mutation(via: ServerProcess, query: string, input: Record<string, unknown>) {
  const response = await httpGql(via.url, query, { input }, auth);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data;
}

/** Runs the writes `writers` at a time; resolves with what failed. */
async function runConcurrently(writes: readonly { what: string; run: () => Promise<unknown> }[]): Promise<string[]> {
  let next = 0;
  const failures: string[] = [];
  const worker = async () => {
    while (next < writes.length) {
      const write = writes[next++] as (typeof writes)[number];
      await write.run().catch((error: Error) => failures.push(`${write.what}: ${error.message}`));
    }
  };
  await Promise.all(Array.from({ length: writers }, worker));
  return failures;
}

/**
 * Replays changes (oldest first) key by key — a key is (person, area, bucket, name) — and lists every entry whose
 * `before` is not what the previous entry of its key left (null when absent; [] for a person's lists once it
 * exists), and every CREATED/DELETED/UPDATED out of place. Empty when the log replays.
 */
function replayMismatches(changes: readonly ChangeJson[]): string[] {
  const values = new Map<string, unknown>();
  const alive = new Set<string>();
  const mismatches: string[] = [];
  for (const change of changes) {
    const { personId } = change;
    if (change.kind === 'DELETED') {
      if (!alive.delete(personId)) mismatches.push(`${change.cursor}: ${personId} deleted but not there`);
      for (const key of [...values.keys()]) if (key.startsWith(`${personId}\u0000`)) values.delete(key);
      continue;
    }
    if (change.kind === 'CREATED' && alive.has(personId))
      mismatches.push(`${change.cursor}: ${personId} created twice`);
    if (change.kind === 'UPDATED' && !alive.has(personId)) mismatches.push(`${change.cursor}: ${personId} not there`);
    alive.add(personId);
    for (const e of change.entries) {
      const key = [personId, e.area, e.bucket ?? '', e.name].join('\u0000');
      const absent = change.kind === 'UPDATED' && e.area === 'PERSON' && e.name !== 'active' ? [] : null;
      const previous = values.has(key) ? values.get(key) : absent;
      if (!isDeepStrictEqual(e.before, previous)) {
        mismatches.push(
          `${personId} ${e.area} ${e.bucket ?? ''}.${e.name}: before ${JSON.stringify(e.before)} but the previous entry left ${JSON.stringify(previous)}`,
        );
      }
      if (e.after === null) values.delete(key);
      else values.set(key, e.after);
    }
  }
  return mismatches;
}

/** Fails listing how many entries (of how many) did not chain, and the first few. */
function expectReplays(changes: readonly ChangeJson[], label: string): void {
  const mismatches = replayMismatches(changes);
  const entries = changes.reduce((sum, change) => sum + change.entries.length, 0);
  expect(
    mismatches,
    `${label}: ${mismatches.length} of ${entries} entries (${changes.length} changes) do not replay:\n${mismatches.slice(0, 8).join('\n')}`,
  ).toEqual([]);
}

describe(`replaying concurrent writes through two instances (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it(`${bursts} bursts of ${writesPerBurst} writes on ${persons.length} persons and shared keys replay key by key, in the feed and on a subscriber of each instance`, async () => {
    const start = (await readFeed(a.url, auth)).end;
    // Open before the writes, from the cursor before them: they receive everything, live.
    const onA = subscribeSse({ url: a.url, auth, query: personChangesDoc, variables: { after: start }, label: 'A' });
    const onB = subscribeWs({ url: b.url, auth, query: personChangesDoc, variables: { after: start }, label: 'B' });
    streams.push(onA, onB);
    for (const id of persons) {
      await mutation(a, createPersonDoc, { id, attributes: { end_user_read_write: { shared: 'created' } } });
    }

    for (let burst = 0; burst < bursts; burst += 1) {
      const writes = Array.from({ length: writesPerBurst }, (_, i) => randomWrite(burst * writesPerBurst + i + 1));
      const failures = await runConcurrently(writes);
      expect(failures, `burst ${burst}`).toEqual([]);
      const { changes } = await readFeed(b.url, auth, start);
      expectReplays(changes, `the feed after burst ${burst}`);
      await expectReplayedAsStored(auth, replay(changes), persons);
    }

    // A last change after them all: once a subscriber has it, it has everything before it.
    const feed = (await readFeed(a.url, auth, start)).changes;
    await merge(b.url, auth, 'r0', 'end_user_read_write', { marker: true });
    for (const stream of [onA, onB]) {
      await stream.waitForChange('the marker', (change) => change.entries.some((e) => e.name === 'marker'), 30_000);
      const received = stream.changes().slice(0, -1);
      expectLogOrder(received, stream.label);
      expectReplays(received, `subscriber ${stream.label}`);
      expect(received.map((change) => change.cursor)).toEqual(feed.map((change) => change.cursor));
    }
  }, 180_000);

  // Deleting a user attribute records a change for every person that had a value of it, in one transaction: it
  // takes all those persons' writer locks before its first write, so each one's history still replays.
  it('deleting a user attribute while its values are written through both instances keeps every history replayable', async () => {
    for (const id of persons) {
      // Created by the test above; here too when this one runs alone.
      if (!(await readPerson(auth, id))) await mutation(a, createPersonDoc, { id });
    }
    for (let round = 0; round < 3; round += 1) {
      const doomed = await createAttribute(auth, { name: `doomed${round}` });
      for (const userId of persons) {
        await mutation(a, setValueDoc, { userId, userAttributeId: doomed.id, value: `first-${round}` });
      }
      let deleted = false;
      const writes = Array.from({ length: 40 }, (_, i) => {
        const via = i % 2 === 0 ? a : b;
        const userId = persons[i % persons.length] as string;
        if (i === 12) {
          return {
            what: 'delete the attribute',
            run: () =>
              mutation(a, deleteAttributeDoc, { userAttributeId: doomed.id }).then(() => {
                deleted = true;
              }),
          };
        }
        const userAttributeId = i % 3 === 0 ? locale.id : doomed.id;
        const write = () => mutation(via, setValueDoc, { userId, userAttributeId, value: `d${round}-${i}` });
        // Once the attribute is gone, its values are NOT_FOUND; nothing else may fail.
        const run = () =>
          write().catch((error: Error) => {
            if (!(userAttributeId === doomed.id && /NOT_FOUND/.test(error.message))) throw error;
          });
        return { what: `set ${userAttributeId === doomed.id ? 'doomed' : 'locale'} of ${userId} #${i}`, run };
      });
      const failures = await runConcurrently(writes);
      expect(failures, `round ${round}`).toEqual([]);
      expect(deleted).toBe(true);
      const { changes } = await readFeed(b.url, auth);
      expectReplays(changes, `the feed after round ${round}`);
      await expectReplayedAsStored(auth, replay(changes), persons);
    }
  }, 120_000);
});
