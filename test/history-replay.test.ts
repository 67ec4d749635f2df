import { beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from './helpers/database.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import {
  type Area,
  type ChangeJson,
  compareCursors,
  type EntryJson,
  expectReplayedAsStored,
  readFeed,
  readHistory,
  replay,
} from './helpers/history.ts';
import {
  createBucketDoc,
  createPerson,
  createRoleDoc,
  deleteAttributesDoc,
  deletePersonDoc,
  mergeDoc,
  mintToken,
  type PersonJson,
  patchPersonDoc,
  readPerson,
  replaceDoc,
  setGroupsDoc,
  updateMyDoc,
} from './helpers/persons.ts';
import {
  type AttributeJson,
  createAttribute,
  deleteValueMutation,
  setValueMutation,
} from './helpers/user-attributes.ts';
import { removeMutation, setMetadata } from './helpers/uuid-metadata.ts';

// CONTRACT §10: the log is complete and ordered. Replaying personChanges from the start (page by page, following
// endCursor) rebuilds every person exactly as GraphQL shows it; each person's history is the same changes,
// newest first; filters keep exactly the matching changes and entries.

let org: { orgId: string; keyId: string; apiKey: string };
let auth: string;
let attributes: AttributeJson[];
const buckets = ['end_user_read_write', 'end_user_read_only', 'end_user_no_access', 'prefs'];
const personIds = ['p1', 'p2', 'p3', 'p4'];
const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'Ünï', 'k.7'];

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  return { next, int, pick };
}

const random = prng(Number(process.env.HISTORY_REPLAY_SEED ?? 20261128));

/** A JSON value (never null: the log shows a stored null like an absent key, see the report). */
function value(): unknown {
  switch (random.int(7)) {
    case 0:
      return random.int(4);
    case 1:
      return `s${random.int(4)}`;
    case 2:
      return random.int(2) === 0;
    case 3:
      return { n: random.int(3), list: [random.int(2), 'x'] };
    case 4:
      return [random.int(3)];
    case 5:
      return 1.5;
    default:
      return '';
  }
}

function someKeys(max: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const count = 1 + random.int(max);
  for (let i = 0; i < count; i += 1) out[random.pick(keys)] = value();
  return out;
}

const mutate = async (doc: string, input: Record<string, unknown>, credential = auth) =>
  expectData(await gql(doc, { input }, { auth: credential }));

beforeAll(async () => {
  org = await newOrg('history-replay');
  auth = org.apiKey;
  expectData(await gql(createBucketDoc, { input: { name: 'prefs', endUserPermissions: 'READ_ONLY' } }, { auth }));
  for (const name of ['admin', 'editor']) expectData(await gql(createRoleDoc, { input: { name } }, { auth }));
  attributes = [
    await createAttribute(auth, { name: 'locale' }),
    await createAttribute(auth, { name: 'zip', type: 'ZIPCODE' }),
  ];
  for (const id of personIds) {
    await createPerson(auth, {
      id,
      groups: id === 'p1' ? ['gold'] : [],
      attributes: { [random.pick(buckets)]: someKeys(3) },
    });
  }

  const active = new Map<string, boolean>();
  // A random-ish sequence of writes of every kind, many of them on the same keys (and some changing nothing).
  for (let step = 0; step < 140; step += 1) {
    const personId = random.pick(personIds);
    const bucket = random.pick(buckets);
    const roll = random.int(100);
    if (roll < 35) await mutate(mergeDoc, { personId, bucket, attributes: someKeys(4) });
    else if (roll < 50) await mutate(replaceDoc, { personId, bucket, attributes: random.int(4) ? someKeys(3) : {} });
    else if (roll < 62) {
      const names = Array.from({ length: 1 + random.int(3) }, () => random.pick(keys));
      await mutate(deleteAttributesDoc, { personId, bucket, names });
    } else if (roll < 67 && active.get(personId) !== false) {
      const token = await mintToken(auth, personId);
      await mutate(updateMyDoc, { attributes: someKeys(2) }, token);
    } else if (roll < 72) {
      active.set(personId, random.int(2) === 0);
      await mutate(patchPersonDoc, {
        personId,
        active: active.get(personId),
        roles: random.pick([[], ['admin'], ['editor', 'admin']]),
      });
    } else if (roll < 77) {
      await mutate(setGroupsDoc, { personId, groups: random.pick([[], ['gold'], ['silver', 'gold']]) });
    } else if (roll < 84) {
      await setMetadata(auth, {
        uuid: personId,
        ...(random.int(2) ? { name: random.pick(['Ada', 'Bea']) } : {}),
        ...(random.int(2) ? { status: random.pick([null, 'away', 'online']) } : {}),
        ...(random.int(3) === 0 ? { custom: { n: random.int(3) } } : {}),
      });
    } else if (roll < 86) {
      await mutate(removeMutation, { uuid: personId });
    } else if (roll < 93) {
      const attribute = random.pick(attributes);
      const v = attribute.name === 'zip' ? random.pick(['12345', '99999-0001']) : random.pick(['en', 'fr']);
      await mutate(setValueMutation, { userId: personId, userAttributeId: attribute.id, value: v });
    } else if (roll < 97) {
      await mutate(deleteValueMutation, { userId: personId, userAttributeId: random.pick(attributes).id });
    } else {
      // Deleted and created again: the replay must forget the first one's data.
      await mutate(deletePersonDoc, { personId });
      active.delete(personId);
      await createPerson(auth, { id: personId, handles: [{ type: 'USERNAME', value: `${personId}-${step}` }] });
    }
  }
  // A person of another organization, whose changes must not show up anywhere here.
  const other = await newOrg('history-replay-other');
  await createPerson(other.apiKey, { id: 'p1', attributes: { end_user_read_write: { foreign: true } } });
}, 300_000);

/** The whole feed, read 7 at a time. */
async function wholeFeed(args: { personId?: string; areas?: Area[] } = {}) {
  return readFeed(auth, { first: 7, ...args });
}

/** The filter rule: a change is kept when one of its entries matches (a DELETED one always), with those entries. */
function keep(changes: ChangeJson[], matches: (entry: EntryJson) => boolean): ChangeJson[] {
  return changes.flatMap((change) => {
    if (change.kind === 'DELETED') return [change];
    const entries = change.entries.filter(matches);
    return entries.length ? [{ ...change, entries }] : [];
  });
}

describe(`replaying the change log (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('personChanges, 7 per page, is in strictly increasing cursor order and holds every write', async () => {
    const { changes, pages } = await wholeFeed();
    expect(changes.length).toBeGreaterThan(100);
    expect(pages).toBe(Math.ceil(changes.length / 7));
    for (let i = 1; i < changes.length; i += 1) {
      expect(compareCursors((changes[i - 1] as ChangeJson).cursor, (changes[i] as ChangeJson).cursor)).toBe(-1);
    }
    expect(new Set(changes.map((change) => change.cursor)).size).toBe(changes.length);
    expect(changes.every((change) => personIds.includes(change.personId))).toBe(true);
    expect(JSON.stringify(changes)).not.toContain('foreign');
    // The sequence exercised every kind of change and every area.
    expect(new Set(changes.map((change) => change.kind))).toEqual(new Set(['CREATED', 'UPDATED', 'DELETED']));
    const areas = new Set(changes.flatMap((change) => change.entries.map((entry) => entry.area)));
    expect(areas).toEqual(new Set(['ATTRIBUTE', 'UUID_METADATA', 'USER_ATTRIBUTE', 'PERSON']));
    expect(changes.some((change) => change.actor.kind === 'PERSON')).toBe(true);
    // Same answer at once with the default page size.
    expect((await readFeed(auth)).changes).toEqual(changes);
  });

  it('replayed from empty, the feed rebuilds every person as GraphQL shows it', async () => {
    const { changes } = await wholeFeed();
    const replayed = replay(changes);
    expect([...replayed.keys()].sort()).toEqual(personIds);
    await expectReplayedAsStored(auth, replayed, personIds);
  });

  it('every change carries its own new eTag, the one the person has right after it', async () => {
    const { changes } = await wholeFeed();
    // Every eTag is distinct: each change wrote a new one.
    const eTags = changes.filter((change) => change.kind !== 'DELETED').map((change) => change.eTag);
    expect(new Set(eTags).size).toBe(eTags.length);
    // A fresh write's change carries exactly the eTag the person has afterwards.
    await mutate(mergeDoc, { personId: 'p2', bucket: 'prefs', attributes: { fresh: Date.now() } });
    const last = (await readFeed(auth, { after: changes.at(-1)?.cursor })).changes;
    expect(last).toHaveLength(1);
    expect(last[0]?.eTag).toBe(((await readPerson(auth, 'p2')) as PersonJson).eTag);
  });

  it('a person’s history, newest first and 3 per page, is the reverse of its part of the feed', async () => {
    const { changes } = await wholeFeed();
    for (const id of personIds) {
      const mine = changes.filter((change) => change.personId === id);
      expect(mine.length).toBeGreaterThan(1);
      expect(await readHistory(auth, id, { first: 3 }), id).toEqual([...mine].reverse());
      expect((await wholeFeed({ personId: id })).changes, id).toEqual(mine);
    }
  });

  it('history filters (area, bucket, name) keep the matching changes, with only the matching entries', async () => {
    const { changes } = await wholeFeed();
    const cases: { args: { area?: Area; bucket?: string; name?: string }; matches: (entry: EntryJson) => boolean }[] = [
      { args: { area: 'ATTRIBUTE' }, matches: (e) => e.area === 'ATTRIBUTE' },
      { args: { area: 'PERSON' }, matches: (e) => e.area === 'PERSON' },
      { args: { area: 'UUID_METADATA' }, matches: (e) => e.area === 'UUID_METADATA' },
      { args: { area: 'USER_ATTRIBUTE' }, matches: (e) => e.area === 'USER_ATTRIBUTE' },
      { args: { bucket: 'prefs' }, matches: (e) => e.bucket === 'prefs' },
      { args: { name: 'k1' }, matches: (e) => e.name === 'k1' },
      { args: { name: 'Ünï' }, matches: (e) => e.name === 'Ünï' },
      {
        args: { bucket: 'end_user_no_access', name: 'k2' },
        matches: (e) => e.bucket === 'end_user_no_access' && e.name === 'k2',
      },
      {
        args: { area: 'USER_ATTRIBUTE', name: 'locale' },
        matches: (e) => e.area === 'USER_ATTRIBUTE' && e.name === 'locale',
      },
      { args: { area: 'PERSON', bucket: 'prefs' }, matches: () => false },
      { args: { name: 'no-such-key' }, matches: () => false },
    ];
    for (const id of personIds) {
      const mine = changes.filter((change) => change.personId === id);
      for (const { args, matches } of cases) {
        const expected = keep(mine, matches).reverse();
        expect(await readHistory(auth, id, { ...args, first: 2 }), `${id} ${JSON.stringify(args)}`).toEqual(expected);
      }
    }
  });

  it('personChanges areas keep the matching changes, paged after filtering', async () => {
    const { changes } = await wholeFeed();
    const sets: Area[][] = [
      ['ATTRIBUTE'],
      ['PERSON', 'USER_ATTRIBUTE'],
      ['UUID_METADATA'],
      ['ATTRIBUTE', 'UUID_METADATA', 'USER_ATTRIBUTE', 'PERSON'],
    ];
    for (const areas of sets) {
      const expected = keep(changes, (entry) => areas.includes(entry.area));
      const { changes: got, pages } = await wholeFeed({ areas });
      expect(got, areas.join(',')).toEqual(expected);
      expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 7)));
    }
    const p3 = keep(
      changes.filter((change) => change.personId === 'p3'),
      (entry) => entry.area === 'ATTRIBUTE',
    );
    expect((await wholeFeed({ personId: 'p3', areas: ['ATTRIBUTE'] })).changes).toEqual(p3);
  });

  it('resuming from any cursor of the feed returns exactly the rest of it', async () => {
    const { changes } = await wholeFeed();
    for (const index of [0, 6, 7, Math.floor(changes.length / 2), changes.length - 2, changes.length - 1]) {
      const cursor = (changes[index] as ChangeJson).cursor;
      expect((await readFeed(auth, { after: cursor, first: 5 })).changes, String(index)).toEqual(
        changes.slice(index + 1),
      );
    }
    // And the history after any of a person's cursors is the older rest of its history.
    const p1 = await readHistory(auth, 'p1');
    for (const index of [0, 1, p1.length - 1]) {
      expect(await readHistory(auth, 'p1', { after: (p1[index] as ChangeJson).cursor })).toEqual(p1.slice(index + 1));
    }
  });
});
