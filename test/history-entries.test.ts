import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/domain/organizations.ts';
import { onPostgres } from './helpers/database.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  attr,
  type ChangeJson,
  type EntryJson,
  followFeed,
  historyDoc,
  metaEntry,
  personEntry,
  readHistory,
  rest,
  sortedEntries,
  userEntry,
} from './helpers/history.ts';
import {
  createPerson,
  createPersonDoc,
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
  deleteAttributeMutation,
  deleteValueMutation,
  setMyValueMutation,
  setValueMutation,
} from './helpers/user-attributes.ts';
import { removeMutation, sendSet, setMetadata } from './helpers/uuid-metadata.ts';

// CONTRACT §10: every committed write to a person's stored data records exactly one change, with the values
// that changed (before/after), the person's eTag after it and who wrote it; a write that changes nothing, or
// fails, records nothing. Each write here is checked against the organization's feed (personChanges) and the
// person's own history.

let org: { orgId: string; keyId: string; apiKey: string };
let auth: string;
let apiKey: { kind: 'API_KEY'; id: string };
let feed: Awaited<ReturnType<typeof followFeed>>;
let locale: AttributeJson;
let secret: AttributeJson;
let age: AttributeJson;
let fixed: AttributeJson;

const rw = 'end_user_read_write';
const role = (name: string) => `${org.orgId}/${name}`;

beforeAll(async () => {
  org = await newOrg('history-entries');
  auth = org.apiKey;
  apiKey = { kind: 'API_KEY', id: org.keyId };
  for (const name of ['admin', 'editor', 'viewer']) expectData(await gql(createRoleDoc, { input: { name } }, { auth }));
  locale = await createAttribute(auth, { name: 'locale', userCanEdit: true });
  secret = await createAttribute(auth, { name: 'secret', valueIsHidden: true, userCanEdit: true });
  age = await createAttribute(auth, { name: 'age', type: 'NUMBER' });
  fixed = await createAttribute(auth, { name: 'fixed', userCanEdit: false });
  feed = await followFeed(auth);
});

/** The person's eTag now, read back through GraphQL. */
async function eTagOf(id: string): Promise<string> {
  return ((await readPerson(auth, id)) as PersonJson).eTag;
}

/**
 * Runs a write and returns the one change it recorded. The feed (oldest first) and the person's history
 * (newest first) must both show it, identically, and nothing else since the previous write.
 */
async function oneChange(write: () => Promise<unknown>): Promise<ChangeJson> {
  const started = Date.now();
  await write();
  const finished = Date.now();
  const changes = await feed.next();
  expect(changes, JSON.stringify(changes)).toHaveLength(1);
  const change = changes[0] as ChangeJson;
  const at = Date.parse(change.at);
  expect(at).toBeGreaterThanOrEqual(started - 5);
  expect(at).toBeLessThanOrEqual(finished + 5);
  if (change.kind !== 'DELETED') {
    const data = expectData(
      await gql<{ person: { history: { nodes: ChangeJson[] } } }>(
        historyDoc,
        { id: change.personId, first: 1 },
        { auth },
      ),
    );
    expect(data.person.history.nodes).toEqual([change]);
  }
  return change;
}

/** Runs a write (which may fail) and asserts it recorded nothing. */
async function noChange(write: () => Promise<unknown>): Promise<void> {
  await write();
  expect(await feed.next()).toEqual([]);
}

/** The change, with its entries in a fixed order and without the fields every check handles elsewhere. */
function shape(change: ChangeJson) {
  const { cursor: _cursor, at: _at, entries, ...rest } = change;
  return { ...rest, entries: sortedEntries(entries) };
}

function expectChange(
  change: ChangeJson,
  expected: { personId: string; kind: ChangeJson['kind']; eTag: string | null; actor?: ChangeJson['actor'] },
  entries: EntryJson[],
): void {
  expect(shape(change)).toEqual({ actor: apiKey, ...expected, entries: sortedEntries(entries) });
}

const mutate = (doc: string, input: Record<string, unknown>, credential = auth) =>
  gql(doc, { input }, { auth: credential });

describe('persons', () => {
  it('createPerson: CREATED with active, sorted roles and groups, handles and every attribute key', async () => {
    let person: PersonJson | undefined;
    const change = await oneChange(async () => {
      person = await createPerson(auth, {
        id: 'ada',
        handles: [
          { type: 'USERNAME', value: 'ada' },
          { type: 'EMAIL_ADDRESS', value: 'Ada@Example.com' },
        ],
        groups: ['zeta', 'alpha', 'zeta'],
        roles: ['viewer', role('admin')],
        attributes: {
          [rw]: { b: 2, a: { nested: [1, 'x', null] }, n: null },
          end_user_no_access: { s: 'secret' },
        },
      });
    });
    const handles = change.entries.find((e) => e.name === 'handles');
    const others = change.entries.filter((e) => e.name !== 'handles');
    expectChange({ ...change, entries: others }, { personId: 'ada', kind: 'CREATED', eTag: person?.eTag as string }, [
      personEntry('active', null, true),
      personEntry('roles', null, [role('admin'), role('viewer')]),
      personEntry('groups', null, ['alpha', 'zeta']),
      attr(rw, 'a', null, { nested: [1, 'x', null] }),
      attr(rw, 'b', null, 2),
      attr(rw, 'n', null, null),
      attr('end_user_no_access', 's', null, 'secret'),
    ]);
    // The handles as stored (any order): the same as Person.handles.
    expect(handles).toMatchObject({ area: 'PERSON', bucket: null, before: null });
    const sortHandles = (list: unknown) =>
      [...(list as { type: string; value: string }[])].sort((x, y) => x.type.localeCompare(y.type));
    expect(sortHandles(handles?.after)).toEqual(sortHandles(person?.handles));
  });

  it('createPerson with nothing but an id: CREATED with only active (false when created inactive)', async () => {
    let eTag = '';
    const bare = await oneChange(async () => {
      eTag = (await createPerson(auth, { id: 'bare' })).eTag;
    });
    expectChange(bare, { personId: 'bare', kind: 'CREATED', eTag }, [personEntry('active', null, true)]);
    const inactive = await oneChange(async () => {
      eTag = (await createPerson(auth, { id: 'inactive', active: false })).eTag;
    });
    expectChange(inactive, { personId: 'inactive', kind: 'CREATED', eTag }, [personEntry('active', null, false)]);
  });

  it('createPerson that fails (CONFLICT, unknown role, unknown bucket) records nothing', async () => {
    await noChange(async () => expectError(await mutate(createPersonDoc, { id: 'ada' }), 'CONFLICT'));
    await noChange(async () =>
      expectError(
        await mutate(createPersonDoc, { id: 'new-1', handles: [{ type: 'USERNAME', value: 'ada' }] }),
        'CONFLICT',
      ),
    );
    await noChange(async () =>
      expectError(await mutate(createPersonDoc, { id: 'new-2', roles: ['nope'] }), 'BAD_USER_INPUT'),
    );
    await noChange(async () =>
      expectError(await mutate(createPersonDoc, { id: 'new-3', attributes: { nope: { a: 1 } } }), 'NOT_FOUND'),
    );
  });

  it('patchPerson: active and roles, each only when it changes', async () => {
    await createPerson(auth, { id: 'pat', roles: ['editor'] });
    await feed.next();
    const patch = (input: Record<string, unknown>) => async () =>
      expectData(await mutate(patchPersonDoc, { personId: 'pat', ...input }));

    const off = await oneChange(patch({ active: false }));
    expectChange(off, { personId: 'pat', kind: 'UPDATED', eTag: await eTagOf('pat') }, [
      personEntry('active', true, false),
    ]);
    const roles = await oneChange(patch({ roles: ['viewer', 'admin', role('editor')] }));
    expectChange(roles, { personId: 'pat', kind: 'UPDATED', eTag: await eTagOf('pat') }, [
      personEntry('roles', [role('editor')], [role('admin'), role('editor'), role('viewer')]),
    ]);
    const both = await oneChange(patch({ active: true, roles: [] }));
    expectChange(both, { personId: 'pat', kind: 'UPDATED', eTag: await eTagOf('pat') }, [
      personEntry('active', false, true),
      personEntry('roles', [role('admin'), role('editor'), role('viewer')], []),
    ]);
    // The same values again, and an empty patch, change nothing.
    await noChange(patch({ active: true, roles: [] }));
    await noChange(patch({}));
    await createPerson(auth, { id: 'pat2', roles: ['admin', 'editor'] });
    await feed.next();
    await noChange(async () =>
      expectData(await mutate(patchPersonDoc, { personId: 'pat2', roles: [role('editor'), 'admin'] })),
    );
  });

  it('patchPerson that fails (stale ifMatch, unknown role, unknown person) records nothing', async () => {
    const eTag = await eTagOf('pat');
    expectData(await mutate(patchPersonDoc, { personId: 'pat', active: false, ifMatch: eTag }));
    await feed.next();
    await noChange(async () =>
      expectError(
        await mutate(patchPersonDoc, { personId: 'pat', active: true, ifMatch: eTag }),
        'PRECONDITION_FAILED',
      ),
    );
    await noChange(async () =>
      expectError(await mutate(patchPersonDoc, { personId: 'pat', roles: ['admin', 'ghost'] }), 'BAD_USER_INPUT'),
    );
    await noChange(async () =>
      expectError(await mutate(patchPersonDoc, { personId: 'ghost', active: false }), 'NOT_FOUND'),
    );
  });

  it('setPersonGroups: the sorted groups before and after, only when the set changes', async () => {
    await createPerson(auth, { id: 'grp', groups: ['silver'] });
    await feed.next();
    const setGroups = (groups: string[]) => async () =>
      expectData(await mutate(setGroupsDoc, { personId: 'grp', groups }));
    const change = await oneChange(setGroups(['gold', 'bronze', 'gold']));
    expectChange(change, { personId: 'grp', kind: 'UPDATED', eTag: await eTagOf('grp') }, [
      personEntry('groups', ['silver'], ['bronze', 'gold']),
    ]);
    await noChange(setGroups(['gold', 'bronze']));
    const cleared = await oneChange(setGroups([]));
    expectChange(cleared, { personId: 'grp', kind: 'UPDATED', eTag: await eTagOf('grp') }, [
      personEntry('groups', ['bronze', 'gold'], []),
    ]);
    await noChange(async () =>
      expectError(await mutate(setGroupsDoc, { personId: 'grp', groups: ['-bad-'] }), 'BAD_USER_INPUT'),
    );
    await noChange(async () =>
      expectError(await mutate(setGroupsDoc, { personId: 'ghost', groups: ['ab'] }), 'NOT_FOUND'),
    );
  });

  it('deletePerson: DELETED with no entries and a null eTag; an unknown person records nothing', async () => {
    await createPerson(auth, { id: 'doomed', attributes: { [rw]: { a: 1 } } });
    await feed.next();
    const change = await oneChange(async () => expectData(await mutate(deletePersonDoc, { personId: 'doomed' })));
    expectChange(change, { personId: 'doomed', kind: 'DELETED', eTag: null }, []);
    await noChange(async () => expectError(await mutate(deletePersonDoc, { personId: 'doomed' }), 'NOT_FOUND'));
    // Its history stays readable from the feed: CREATED then DELETED.
    const again = await oneChange(async () => createPerson(auth, { id: 'doomed' }));
    expect(again.kind).toBe('CREATED');
    expect(again.entries).toEqual([personEntry('active', null, true)]);
  });
});

describe('attribute buckets', () => {
  const bucketWrite =
    (doc: string, personId: string, attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    async () =>
      expectData(await mutate(doc, { personId, bucket: rw, attributes, ...extra }));

  it('updatePersonAttributes (merge) lists only keys whose value changed', async () => {
    await createPerson(auth, { id: 'mrg', attributes: { [rw]: { same: 1, obj: { x: 1 }, gone: 'stays' } } });
    await feed.next();
    const change = await oneChange(bucketWrite(mergeDoc, 'mrg', { same: 1, obj: { x: 2 }, fresh: [1], nil: null }));
    expectChange(change, { personId: 'mrg', kind: 'UPDATED', eTag: await eTagOf('mrg') }, [
      attr(rw, 'obj', { x: 1 }, { x: 2 }),
      attr(rw, 'fresh', null, [1]),
      attr(rw, 'nil', null, null),
    ]);
    const toNull = await oneChange(bucketWrite(mergeDoc, 'mrg', { same: null }));
    expectChange(toNull, { personId: 'mrg', kind: 'UPDATED', eTag: await eTagOf('mrg') }, [attr(rw, 'same', 1, null)]);
    await noChange(bucketWrite(mergeDoc, 'mrg', { obj: { x: 2 }, fresh: [1], nil: null, same: null }));
    await noChange(bucketWrite(mergeDoc, 'mrg', {}));
  });

  it('setPersonAttributes (replace) lists removed, changed and added keys', async () => {
    await createPerson(auth, { id: 'rpl', attributes: { [rw]: { a: 1, b: 2, c: 3 } } });
    await feed.next();
    const change = await oneChange(bucketWrite(replaceDoc, 'rpl', { b: 2, c: 4, d: 'new' }));
    expectChange(change, { personId: 'rpl', kind: 'UPDATED', eTag: await eTagOf('rpl') }, [
      attr(rw, 'a', 1, null),
      attr(rw, 'c', 3, 4),
      attr(rw, 'd', null, 'new'),
    ]);
    await noChange(bucketWrite(replaceDoc, 'rpl', { d: 'new', c: 4, b: 2 }));
    const emptied = await oneChange(bucketWrite(replaceDoc, 'rpl', {}));
    expectChange(emptied, { personId: 'rpl', kind: 'UPDATED', eTag: await eTagOf('rpl') }, [
      attr(rw, 'b', 2, null),
      attr(rw, 'c', 4, null),
      attr(rw, 'd', 'new', null),
    ]);
    await noChange(bucketWrite(replaceDoc, 'rpl', {}));
  });

  it('deletePersonAttributes lists the keys that were there; absent keys record nothing', async () => {
    await createPerson(auth, { id: 'del', attributes: { [rw]: { a: 1, b: { deep: true } } } });
    await feed.next();
    const deleteKeys = (names: string[]) => async () =>
      expectData(await mutate(deleteAttributesDoc, { personId: 'del', bucket: rw, names }));
    const change = await oneChange(deleteKeys(['b', 'absent']));
    expectChange(change, { personId: 'del', kind: 'UPDATED', eTag: await eTagOf('del') }, [
      attr(rw, 'b', { deep: true }, null),
    ]);
    await noChange(deleteKeys(['b', 'absent']));
    await noChange(async () =>
      expectData(await mutate(deleteAttributesDoc, { personId: 'del', bucket: 'end_user_read_only', names: ['a'] })),
    );
  });

  it('other buckets are named in their entries', async () => {
    await createPerson(auth, { id: 'buckets' });
    await feed.next();
    const change = await oneChange(async () =>
      expectData(await mutate(mergeDoc, { personId: 'buckets', bucket: 'end_user_no_access', attributes: { k: 'v' } })),
    );
    expectChange(change, { personId: 'buckets', kind: 'UPDATED', eTag: await eTagOf('buckets') }, [
      attr('end_user_no_access', 'k', null, 'v'),
    ]);
  });

  it('failed bucket writes record nothing: stale ifMatch, unknown bucket, unknown person, bad input', async () => {
    await createPerson(auth, { id: 'fail', attributes: { [rw]: { a: 1 } } });
    await feed.next();
    const stale = await eTagOf('fail');
    expectData(await mutate(mergeDoc, { personId: 'fail', bucket: rw, attributes: { a: 2 } }));
    await feed.next();
    for (const doc of [mergeDoc, replaceDoc]) {
      await noChange(async () =>
        expectError(
          await mutate(doc, { personId: 'fail', bucket: rw, attributes: { a: 3 }, ifMatch: stale }),
          'PRECONDITION_FAILED',
        ),
      );
      await noChange(async () =>
        expectError(await mutate(doc, { personId: 'fail', bucket: 'no-such', attributes: { a: 3 } }), 'NOT_FOUND'),
      );
      await noChange(async () =>
        expectError(await mutate(doc, { personId: 'ghost', bucket: rw, attributes: { a: 3 } }), 'NOT_FOUND'),
      );
      await noChange(async () =>
        expectError(
          await mutate(doc, { personId: 'fail', bucket: rw, attributes: { a: 4, constructor: 1 } }),
          'BAD_USER_INPUT',
        ),
      );
    }
    await noChange(async () =>
      expectError(
        await mutate(deleteAttributesDoc, { personId: 'fail', bucket: 'no-such', names: ['a'] }),
        'NOT_FOUND',
      ),
    );
    // The current eTag as ifMatch succeeds and is recorded.
    const change = await oneChange(async () =>
      expectData(
        await mutate(mergeDoc, { personId: 'fail', bucket: rw, attributes: { a: 5 }, ifMatch: await eTagOf('fail') }),
      ),
    );
    expect(change.entries).toEqual([attr(rw, 'a', 2, 5)]);
  });
});

describe('end users (person tokens)', () => {
  it('updateMyAttributes is recorded with the person as the actor', async () => {
    await createPerson(auth, { id: 'me1', attributes: { [rw]: { theme: 'light' } } });
    await feed.next();
    const token = await mintToken(auth, 'me1');
    const change = await oneChange(async () =>
      expectData(await mutate(updateMyDoc, { attributes: { theme: 'dark', lang: 'fr' } }, token)),
    );
    expectChange(
      change,
      { personId: 'me1', kind: 'UPDATED', eTag: await eTagOf('me1'), actor: { kind: 'PERSON', id: 'me1' } },
      [attr(rw, 'lang', null, 'fr'), attr(rw, 'theme', 'light', 'dark')],
    );
    await noChange(async () => expectData(await mutate(updateMyDoc, { attributes: { theme: 'dark' } }, token)));
  });

  it('setMyUserAttributeValue is recorded with the person as the actor', async () => {
    await createPerson(auth, { id: 'me2' });
    await feed.next();
    const token = await mintToken(auth, 'me2');
    const change = await oneChange(async () =>
      expectData(await mutate(setMyValueMutation, { userAttributeId: locale.id, value: 'nb' }, token)),
    );
    expectChange(
      change,
      { personId: 'me2', kind: 'UPDATED', eTag: await eTagOf('me2'), actor: { kind: 'PERSON', id: 'me2' } },
      [userEntry('locale', null, 'nb')],
    );
    await noChange(async () =>
      expectData(await mutate(setMyValueMutation, { userAttributeId: locale.id, value: 'nb' }, token)),
    );
  });

  it('refused end-user writes record nothing (FORBIDDEN, missing scope, bad value)', async () => {
    await createPerson(auth, { id: 'me3' });
    await feed.next();
    const token = await mintToken(auth, 'me3');
    const readOnly = await mintToken(auth, 'me3', ['user:attributes:read']);
    await noChange(async () =>
      expectError(await mutate(setMyValueMutation, { userAttributeId: fixed.id, value: 'x' }, token), 'FORBIDDEN'),
    );
    await noChange(async () => expectError(await mutate(updateMyDoc, { attributes: { a: 1 } }, readOnly), 'FORBIDDEN'));
    await noChange(async () =>
      expectError(await mutate(mergeDoc, { personId: 'me3', bucket: rw, attributes: { a: 1 } }, token), 'FORBIDDEN'),
    );
    await noChange(async () =>
      expectError(await mutate(updateMyDoc, { attributes: { __proto__x: 1, prototype: 2 } }, token), 'BAD_USER_INPUT'),
    );
  });
});

describe('uuid metadata', () => {
  it('setUuidMetadata of an unknown uuid: CREATED with active and every non-null field', async () => {
    let eTag = '';
    const change = await oneChange(async () => {
      await setMetadata(auth, {
        uuid: 'meta-new',
        name: 'Ada',
        email: 'ada@example.com',
        externalId: null,
        custom: { team: 'core', level: 3, beta: true },
      });
      eTag = await eTagOf('meta-new');
    });
    expectChange(change, { personId: 'meta-new', kind: 'CREATED', eTag }, [
      personEntry('active', null, true),
      metaEntry('name', null, 'Ada'),
      metaEntry('email', null, 'ada@example.com'),
      metaEntry('custom', null, { team: 'core', level: 3, beta: true }),
    ]);
  });

  it('setUuidMetadata updates: changed fields only, custom whole, null clears; the same content records nothing', async () => {
    await setMetadata(auth, { uuid: 'meta-up', name: 'Ada', email: 'ada@example.com', custom: { a: 1, b: 'x' } });
    await feed.next();
    const change = await oneChange(async () =>
      setMetadata(auth, { uuid: 'meta-up', name: 'Ada L.', email: null, status: 'online', custom: { b: 'x' } }),
    );
    expectChange(change, { personId: 'meta-up', kind: 'UPDATED', eTag: await eTagOf('meta-up') }, [
      metaEntry('name', 'Ada', 'Ada L.'),
      metaEntry('email', 'ada@example.com', null),
      metaEntry('status', null, 'online'),
      metaEntry('custom', { a: 1, b: 'x' }, { b: 'x' }),
    ]);
    await noChange(async () => setMetadata(auth, { uuid: 'meta-up', name: 'Ada L.', custom: { b: 'x' } }));
    await noChange(async () => setMetadata(auth, { uuid: 'meta-up' }));
  });

  it('setUuidMetadata on a person without metadata: UPDATED with the fields', async () => {
    await createPerson(auth, { id: 'meta-person' });
    await feed.next();
    const change = await oneChange(async () => setMetadata(auth, { uuid: 'meta-person', type: 'bot' }));
    expectChange(change, { personId: 'meta-person', kind: 'UPDATED', eTag: await eTagOf('meta-person') }, [
      metaEntry('type', null, 'bot'),
    ]);
  });

  it('failed setUuidMetadata records nothing: stale ifMatch, ifMatch on an unknown uuid, bad input', async () => {
    const first = await setMetadata(auth, { uuid: 'meta-fail', name: 'one' });
    await setMetadata(auth, { uuid: 'meta-fail', name: 'two' });
    await feed.next();
    await noChange(async () =>
      expectError(
        await sendSet(auth, { uuid: 'meta-fail', name: 'three', ifMatch: first.eTag }),
        'PRECONDITION_FAILED',
      ),
    );
    await noChange(async () =>
      expectError(await sendSet(auth, { uuid: 'meta-none', name: 'x', ifMatch: first.eTag }), 'PRECONDITION_FAILED'),
    );
    await noChange(async () =>
      expectError(await sendSet(auth, { uuid: 'meta-fail', custom: { nested: { no: 1 } } }), 'BAD_USER_INPUT'),
    );
    await noChange(async () => expectError(await sendSet(auth, { uuid: 'bad/uuid', name: 'x' }), 'BAD_USER_INPUT'));
  });

  it('removeUuidMetadata: every non-null field to null; again, or on a uuid without metadata, nothing', async () => {
    await setMetadata(auth, {
      uuid: 'meta-rm',
      name: 'Ada',
      profileUrl: 'https://example.com/a.png',
      custom: { k: 1 },
    });
    await feed.next();
    const remove = (uuid: string) => async () => expectData(await mutate(removeMutation, { uuid }));
    const change = await oneChange(remove('meta-rm'));
    expectChange(change, { personId: 'meta-rm', kind: 'UPDATED', eTag: await eTagOf('meta-rm') }, [
      metaEntry('name', 'Ada', null),
      metaEntry('profileUrl', 'https://example.com/a.png', null),
      metaEntry('custom', { k: 1 }, null),
    ]);
    await noChange(remove('meta-rm'));
    await createPerson(auth, { id: 'meta-never' });
    await feed.next();
    const eTag = await eTagOf('meta-never');
    await noChange(remove('meta-never'));
    expect(await eTagOf('meta-never')).toBe(eTag);
    await noChange(async () => expectError(await mutate(removeMutation, { uuid: 'ghost' }), 'NOT_FOUND'));
  });
});

describe('user attribute values', () => {
  it('setUserAttributeValue / deleteUserAttributeValue: USER_ATTRIBUTE entries by name', async () => {
    await createPerson(auth, { id: 'ua' });
    await feed.next();
    const set = (userAttributeId: string, value: string) => async () =>
      expectData(await mutate(setValueMutation, { userId: 'ua', userAttributeId, value }));
    const remove = (userAttributeId: string) => async () =>
      expectData(await mutate(deleteValueMutation, { userId: 'ua', userAttributeId }));

    const first = await oneChange(set(locale.id, 'fr'));
    expectChange(first, { personId: 'ua', kind: 'UPDATED', eTag: await eTagOf('ua') }, [
      userEntry('locale', null, 'fr'),
    ]);
    const second = await oneChange(set(locale.id, 'de'));
    expectChange(second, { personId: 'ua', kind: 'UPDATED', eTag: await eTagOf('ua') }, [
      userEntry('locale', 'fr', 'de'),
    ]);
    await noChange(set(locale.id, 'de'));
    const numeric = await oneChange(set(age.id, '42'));
    expect(numeric.entries).toEqual([userEntry('age', null, '42')]);
    const deleted = await oneChange(remove(locale.id));
    expectChange(deleted, { personId: 'ua', kind: 'UPDATED', eTag: await eTagOf('ua') }, [
      userEntry('locale', 'de', null),
    ]);
    await noChange(remove(locale.id));
  });

  it('a valueIsHidden attribute is recorded as a change with null before and after', async () => {
    await createPerson(auth, { id: 'ua-hidden' });
    await feed.next();
    const set = async () =>
      expectData(
        await mutate(setValueMutation, { userId: 'ua-hidden', userAttributeId: secret.id, value: 's3cret.v' }),
      );
    const change = await oneChange(set);
    expectChange(change, { personId: 'ua-hidden', kind: 'UPDATED', eTag: await eTagOf('ua-hidden') }, [
      userEntry('secret', null, null),
    ]);
    await noChange(set);
    const changedAgain = await oneChange(async () =>
      expectData(await mutate(setValueMutation, { userId: 'ua-hidden', userAttributeId: secret.id, value: 'other.v' })),
    );
    expect(changedAgain.entries).toEqual([userEntry('secret', null, null)]);
    expect(JSON.stringify(await readHistory(auth, 'ua-hidden'))).not.toMatch(/s3cret\.v|other\.v/);
  });

  it('failed value writes record nothing: bad value, unknown attribute, unknown person', async () => {
    await createPerson(auth, { id: 'ua-fail' });
    await feed.next();
    await noChange(async () =>
      expectError(
        await mutate(setValueMutation, { userId: 'ua-fail', userAttributeId: age.id, value: 'forty' }),
        'BAD_USER_INPUT',
      ),
    );
    await noChange(async () =>
      expectError(
        await mutate(setValueMutation, { userId: 'ua-fail', userAttributeId: 'no-such-id', value: 'x' }),
        'NOT_FOUND',
      ),
    );
    await noChange(async () =>
      expectError(
        await mutate(setValueMutation, { userId: 'ghost', userAttributeId: locale.id, value: 'x' }),
        'NOT_FOUND',
      ),
    );
    await noChange(async () =>
      expectError(await mutate(deleteValueMutation, { userId: 'ghost', userAttributeId: locale.id }), 'NOT_FOUND'),
    );
  });

  it('deleteUserAttribute records the removal of each own value it deletes', async () => {
    const temp = await createAttribute(auth, { name: 'temp' });
    await createPerson(auth, { id: 'ua-t1' });
    await createPerson(auth, { id: 'ua-t2' });
    await createPerson(auth, { id: 'ua-t3' });
    for (const userId of ['ua-t1', 'ua-t2']) {
      expectData(await mutate(setValueMutation, { userId, userAttributeId: temp.id, value: `v-${userId}` }));
    }
    await feed.next();
    expectData(await mutate(deleteAttributeMutation, { userAttributeId: temp.id }));
    const changes = await feed.next();
    expect(changes.map((change) => [change.personId, change.kind, change.entries]).sort()).toEqual([
      ['ua-t1', 'UPDATED', [userEntry('temp', 'v-ua-t1', null)]],
      ['ua-t2', 'UPDATED', [userEntry('temp', 'v-ua-t2', null)]],
    ]);
    for (const change of changes) {
      expect(change.actor).toEqual(apiKey);
      expect(change.eTag).toBe(await eTagOf(change.personId));
    }
  });
});

describe('REST endpoints record the same changes as their GraphQL twins', () => {
  const slashHeaders = () => ({
    'SlashID-OrgID': org.orgId,
    'SlashID-API-Key': auth,
    'Content-Type': 'application/json',
  });
  const bucketPath = (id: string, bucket = rw) => `/persons/${id}/attributes/${bucket}`;
  const pubnubPath = (uuid: string) =>
    `/v2/objects/${org.orgId}/uuids/${uuid}?auth=${auth}&uuid=client-1&pnsdk=PubNub-JS-Nodejs%2F11.0.2&requestid=r-1`;

  it('SlashID PATCH (merge), PUT (replace), DELETE (keys) of a bucket and PATCH of a person', async () => {
    await createPerson(auth, { id: 'slash', roles: ['viewer'], attributes: { [rw]: { a: 1, b: 2 } } });
    await feed.next();
    const merged = await oneChange(async () =>
      expect(
        await rest('PATCH', bucketPath('slash'), { headers: slashHeaders(), body: { b: 3, c: 'x' } }),
      ).toMatchObject({ status: 204 }),
    );
    expectChange(merged, { personId: 'slash', kind: 'UPDATED', eTag: await eTagOf('slash') }, [
      attr(rw, 'b', 2, 3),
      attr(rw, 'c', null, 'x'),
    ]);
    const replaced = await oneChange(async () =>
      expect(
        await rest('PUT', bucketPath('slash'), { headers: slashHeaders(), body: { c: 'x', d: true } }),
      ).toMatchObject({ status: 204 }),
    );
    expectChange(replaced, { personId: 'slash', kind: 'UPDATED', eTag: await eTagOf('slash') }, [
      attr(rw, 'a', 1, null),
      attr(rw, 'b', 3, null),
      attr(rw, 'd', null, true),
    ]);
    const deleted = await oneChange(async () =>
      expect(await rest('DELETE', `${bucketPath('slash')}?attributes=d,zz`, { headers: slashHeaders() })).toMatchObject(
        { status: 204 },
      ),
    );
    expectChange(deleted, { personId: 'slash', kind: 'UPDATED', eTag: await eTagOf('slash') }, [
      attr(rw, 'd', true, null),
    ]);
    const patched = await oneChange(async () =>
      expect(
        await rest('PATCH', '/persons/slash', { headers: slashHeaders(), body: { active: false, roles: ['admin'] } }),
      ).toMatchObject({ status: 200 }),
    );
    expectChange(patched, { personId: 'slash', kind: 'UPDATED', eTag: await eTagOf('slash') }, [
      personEntry('active', true, false),
      personEntry('roles', [role('viewer')], [role('admin')]),
    ]);
    // No-ops and failures record nothing.
    await noChange(async () =>
      expect(await rest('PATCH', bucketPath('slash'), { headers: slashHeaders(), body: { c: 'x' } })).toMatchObject({
        status: 204,
      }),
    );
    await noChange(async () =>
      expect(await rest('DELETE', `${bucketPath('slash')}?attributes=zz`, { headers: slashHeaders() })).toMatchObject({
        status: 204,
      }),
    );
    await noChange(async () =>
      expect(
        await rest('PATCH', bucketPath('slash', 'no-such'), { headers: slashHeaders(), body: { c: 1 } }),
      ).toMatchObject({ status: 404 }),
    );
    await noChange(async () =>
      expect(await rest('PATCH', bucketPath('ghost'), { headers: slashHeaders(), body: { c: 1 } })).toMatchObject({
        status: 404,
      }),
    );
  });

  it('PubNub PATCH (create, update) and DELETE of uuid metadata; If-Match mismatch records nothing', async () => {
    const headers = { 'Content-Type': 'application/json' };
    const created = await oneChange(async () =>
      expect(
        await rest('PATCH', pubnubPath('pn-1'), { headers, body: { name: 'Ada', custom: { k: 'v' } } }),
      ).toMatchObject({ status: 200 }),
    );
    expectChange(created, { personId: 'pn-1', kind: 'CREATED', eTag: await eTagOf('pn-1') }, [
      personEntry('active', null, true),
      metaEntry('name', null, 'Ada'),
      metaEntry('custom', null, { k: 'v' }),
    ]);
    const updated = await oneChange(async () =>
      expect(
        await rest('PATCH', pubnubPath('pn-1'), { headers, body: { name: 'Bea', email: 'bea@example.com' } }),
      ).toMatchObject({ status: 200 }),
    );
    expectChange(updated, { personId: 'pn-1', kind: 'UPDATED', eTag: await eTagOf('pn-1') }, [
      metaEntry('name', 'Ada', 'Bea'),
      metaEntry('email', null, 'bea@example.com'),
    ]);
    await noChange(async () =>
      expect(
        await rest('PATCH', pubnubPath('pn-1'), { headers: { ...headers, 'If-Match': 'stale' }, body: { name: 'Cy' } }),
      ).toMatchObject({ status: 412 }),
    );
    await noChange(async () =>
      expect(await rest('PATCH', pubnubPath('pn-1'), { headers, body: { name: 'Bea' } })).toMatchObject({
        status: 200,
      }),
    );
    const removed = await oneChange(async () =>
      expect(await rest('DELETE', pubnubPath('pn-1'))).toMatchObject({ status: 200 }),
    );
    expectChange(removed, { personId: 'pn-1', kind: 'UPDATED', eTag: await eTagOf('pn-1') }, [
      metaEntry('name', 'Bea', null),
      metaEntry('email', 'bea@example.com', null),
      metaEntry('custom', { k: 'v' }, null),
    ]);
    await noChange(async () => expect(await rest('DELETE', pubnubPath('pn-1'))).toMatchObject({ status: 200 }));
  });

  it('Looker PATCH / DELETE of a user value, with the login token: the API key that logged in is the actor', async () => {
    await createPerson(auth, { id: 'looker-u' });
    await feed.next();
    const login = await rest('POST', '/api/4.0/login', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: org.orgId, client_secret: auth }).toString(),
    });
    const token = (login.body as { access_token: string }).access_token;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const path = `/api/4.0/users/looker-u/attribute_values/${locale.id}`;
    const set = await oneChange(async () =>
      expect(await rest('PATCH', path, { headers, body: { value: 'sv' } })).toMatchObject({ status: 200 }),
    );
    expectChange(set, { personId: 'looker-u', kind: 'UPDATED', eTag: await eTagOf('looker-u') }, [
      userEntry('locale', null, 'sv'),
    ]);
    await noChange(async () =>
      expect(
        await rest('PATCH', `/api/4.0/users/looker-u/attribute_values/${age.id}`, { headers, body: { value: 'x' } }),
      ).toMatchObject({ status: 422 }),
    );
    const deleted = await oneChange(async () =>
      expect(await rest('DELETE', path, { headers })).toMatchObject({ status: 204 }),
    );
    expectChange(deleted, { personId: 'looker-u', kind: 'UPDATED', eTag: await eTagOf('looker-u') }, [
      userEntry('locale', 'sv', null),
    ]);
    await noChange(async () => expect(await rest('DELETE', path, { headers })).toMatchObject({ status: 204 }));
  });

  it('PACE PUT /attributes: merged with the person as the actor', async () => {
    await createPerson(auth, { id: 'pace-u', attributes: { [rw]: { referred: 'true' } } });
    await feed.next();
    const token = await mintToken(auth, 'pace-u', ['user:attributes:write']);
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const change = await oneChange(async () =>
      expect(
        await rest('PUT', '/attributes', { headers, body: '{"referred":"false","tos_accepted":"true"}' }),
      ).toMatchObject({ status: 204 }),
    );
    expectChange(
      change,
      { personId: 'pace-u', kind: 'UPDATED', eTag: await eTagOf('pace-u'), actor: { kind: 'PERSON', id: 'pace-u' } },
      [attr(rw, 'referred', 'true', 'false'), attr(rw, 'tos_accepted', null, 'true')],
    );
    await noChange(async () =>
      expect(await rest('PUT', '/attributes', { headers, body: { referred: 'false' } })).toMatchObject({ status: 204 }),
    );
    await noChange(async () =>
      expect(await rest('PUT', '/attributes', { headers, body: { constructor: 'x' } })).toMatchObject({ status: 400 }),
    );
  });
});

describe(`the log itself (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('a second API key of the organization is named by its own id', async () => {
    const second = await createApiKey(org.orgId);
    await createPerson(auth, { id: 'two-keys' });
    await feed.next();
    const change = await oneChange(async () =>
      expectData(
        await gql(
          mergeDoc,
          { input: { personId: 'two-keys', bucket: rw, attributes: { by: 2 } } },
          { auth: second.apiKey },
        ),
      ),
    );
    expect(change.actor).toEqual({ kind: 'API_KEY', id: second.keyId });
    expect(change.actor.id).not.toBe(org.keyId);
    expect(JSON.stringify(change)).not.toContain(second.apiKey);
  });
});
