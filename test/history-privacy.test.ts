import { beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, type GraphQLResponse, gql, newOrg } from './helpers/graphql.ts';
import {
  attr,
  type ChangeJson,
  type ChangePageJson,
  feedPage,
  historyDoc,
  myHistoryDoc,
  personEntry,
  readFeed,
  readHistory,
  readMyHistory,
  userEntry,
} from './helpers/history.ts';
import { createBucketDoc, createPerson, deletePersonDoc, mergeDoc, mintToken, updateMyDoc } from './helpers/persons.ts';
import {
  type AttributeJson,
  createAttribute,
  deleteAttributeMutation,
  setMyValueMutation,
  setValueMutation,
  updateAttributeMutation,
} from './helpers/user-attributes.ts';

// CONTRACT §10: person tokens see only their own changes, without NO_ACCESS buckets and without userCanView:false
// attributes; valueIsHidden attributes show before/after as null to every caller; personChanges is for org API
// keys; another organization's changes never show.

let org: { orgId: string; keyId: string; apiKey: string };
let auth: string;
let token: string;
let seen: AttributeJson;
let unseen: AttributeJson;
let hidden: AttributeJson;

const rw = 'end_user_read_write';
const ro = 'end_user_read_only';
const na = 'end_user_no_access';

const merge = async (personId: string, bucket: string, attributes: Record<string, unknown>) =>
  expectData(await gql(mergeDoc, { input: { personId, bucket, attributes } }, { auth }));
const setValue = async (userId: string, userAttributeId: string, value: string) =>
  expectData(await gql(setValueMutation, { input: { userId, userAttributeId, value } }, { auth }));

/** A change as compared here: who, what kind, and its entries. */
const brief = (change: ChangeJson) => ({ kind: change.kind, actor: change.actor.kind, entries: change.entries });

beforeAll(async () => {
  org = await newOrg('history-privacy');
  auth = org.apiKey;
  expectData(await gql(createBucketDoc, { input: { name: 'internal', endUserPermissions: 'NO_ACCESS' } }, { auth }));
  expectData(await gql(createBucketDoc, { input: { name: 'shared', endUserPermissions: 'READ_ONLY' } }, { auth }));
  seen = await createAttribute(auth, { name: 'seen', userCanEdit: true });
  unseen = await createAttribute(auth, { name: 'unseen', userCanView: false });
  hidden = await createAttribute(auth, { name: 'hidden', valueIsHidden: true, userCanEdit: true });

  // The person's story, one change per line; the comments say what the person sees of each.
  await createPerson(auth, {
    id: 'eve',
    attributes: { [rw]: { theme: 'dark' }, [na]: { risk: 'risk.high' }, internal: { note: 'note.1' } },
  }); // CREATED: active and theme only
  await merge('eve', na, { risk: 'risk.low' }); // nothing: dropped
  await merge('eve', 'internal', { note: 'note.2' }); // nothing: dropped
  await merge('eve', ro, { plan: 'pro' }); // plan
  await merge('eve', 'shared', { team: 'a' }); // team
  await setValue('eve', unseen.id, 'classified.value'); // nothing: dropped
  await setValue('eve', seen.id, 'visible'); // seen
  await setValue('eve', hidden.id, 'sesame.pw'); // hidden, null → null
  token = await mintToken(auth, 'eve');
  expectData(await gql(updateMyDoc, { input: { attributes: { theme: 'light' } } }, { auth: token })); // theme, by the person
  expectData(
    await gql(setMyValueMutation, { input: { userAttributeId: hidden.id, value: 'open.pw' } }, { auth: token }),
  ); // hidden, null → null, by the person

  // Someone else in the same organization, whose changes eve never sees.
  await createPerson(auth, { id: 'mallory', attributes: { [rw]: { theme: 'x' } } });
  await setValue('mallory', seen.id, 'm');
});

const expectedForEve = () => [
  {
    kind: 'UPDATED',
    actor: 'PERSON',
    entries: [userEntry('hidden', null, null)],
  },
  { kind: 'UPDATED', actor: 'PERSON', entries: [attr(rw, 'theme', 'dark', 'light')] },
  { kind: 'UPDATED', actor: 'API_KEY', entries: [userEntry('hidden', null, null)] },
  { kind: 'UPDATED', actor: 'API_KEY', entries: [userEntry('seen', null, 'visible')] },
  { kind: 'UPDATED', actor: 'API_KEY', entries: [attr('shared', 'team', null, 'a')] },
  { kind: 'UPDATED', actor: 'API_KEY', entries: [attr(ro, 'plan', null, 'pro')] },
  { kind: 'CREATED', actor: 'API_KEY', entries: [personEntry('active', null, true), attr(rw, 'theme', null, 'dark')] },
];

describe('me { history } with a person token', () => {
  it('shows only the visible entries of the person’s own changes, dropping changes left empty', async () => {
    const mine = await readMyHistory(token);
    expect(mine.map(brief)).toEqual(expectedForEve());
    expect(mine.every((change) => change.personId === 'eve')).toBe(true);
    const text = JSON.stringify(mine);
    for (const secret of ['risk.', 'note.', 'classified.', 'sesame.', 'open.', '"risk"', '"note"', '"unseen"']) {
      expect(text).not.toContain(secret);
    }
  });

  it('the API key sees every change of the person, with the same cursors, and hidden values null too', async () => {
    const all = await readHistory(auth, 'eve');
    expect(all).toHaveLength(10);
    const text = JSON.stringify(all);
    expect(text).toContain('classified.value');
    expect(text).toContain('"risk"');
    expect(text).not.toContain('sesame.');
    expect(text).not.toContain('open.');
    const hiddenEntries = all.flatMap((change) => change.entries).filter((entry) => entry.name === 'hidden');
    expect(hiddenEntries).toEqual([userEntry('hidden', null, null), userEntry('hidden', null, null)]);
    // What the person sees is the API key's view of the same changes, minus entries (cursors, eTags, times agree).
    const mine = await readMyHistory(token);
    const byCursor = new Map(all.map((change) => [change.cursor, change]));
    for (const change of mine) {
      const full = byCursor.get(change.cursor);
      expect(full, change.cursor).toBeDefined();
      expect({ ...change, entries: [] }).toEqual({ ...full, entries: [] });
      for (const entry of change.entries) expect(full?.entries).toContainEqual(entry);
    }
  });

  it('pages are counted after hiding: first: 1 walks the same visible changes, one per page', async () => {
    const all = await readMyHistory(token);
    const walked: ChangeJson[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const response: GraphQLResponse<{ me: { history: ChangePageJson } }> = await gql(
        myHistoryDoc,
        { first: 1, after },
        { auth: token },
      );
      const { nodes, pageInfo }: ChangePageJson = expectData(response).me.history;
      expect(nodes).toHaveLength(1);
      walked.push(...nodes);
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(walked).toEqual(all);
  });

  it('filters cannot reach hidden entries', async () => {
    expect(await readMyHistory(token, { bucket: na })).toEqual([]);
    expect(await readMyHistory(token, { bucket: 'internal' })).toEqual([]);
    expect(await readMyHistory(token, { area: 'USER_ATTRIBUTE', name: 'unseen' })).toEqual([]);
    expect((await readMyHistory(token, { area: 'USER_ATTRIBUTE' })).map(brief)).toEqual(
      expectedForEve().filter((change) => change.entries[0]?.area === 'USER_ATTRIBUTE'),
    );
    // The API key reaches them.
    expect((await readHistory(auth, 'eve', { bucket: na })).map((change) => change.entries)).toEqual([
      [attr(na, 'risk', 'risk.high', 'risk.low')],
      [attr(na, 'risk', null, 'risk.high')],
    ]);
    expect((await readHistory(auth, 'eve', { name: 'unseen' })).map((change) => change.entries)).toEqual([
      [userEntry('unseen', null, 'classified.value')],
    ]);
  });

  it('a token with only user:attributes:read reads its history too', async () => {
    const reader = await mintToken(auth, 'eve', ['user:attributes:read']);
    expect((await readMyHistory(reader)).map(brief)).toEqual(expectedForEve());
  });

  it('flags changed later apply to what was logged before: valueIsHidden blanks, userCanView:false hides', async () => {
    const later = await createAttribute(auth, { name: 'later', userCanEdit: true });
    await setValue('eve', later.id, 'was.public');
    const laterEntries = async (credential: string) =>
      (credential === auth
        ? await readHistory(auth, 'eve', { name: 'later' })
        : await readMyHistory(credential, { name: 'later' })
      ).map((change) => change.entries);
    expect(await laterEntries(token)).toEqual([[userEntry('later', null, 'was.public')]]);

    expectData(
      await gql(updateAttributeMutation, { input: { userAttributeId: later.id, valueIsHidden: true } }, { auth }),
    );
    expect(await laterEntries(auth)).toEqual([[userEntry('later', null, null)]]);
    expect(await laterEntries(token)).toEqual([[userEntry('later', null, null)]]);

    expectData(
      await gql(updateAttributeMutation, { input: { userAttributeId: later.id, userCanView: false } }, { auth }),
    );
    expect(await laterEntries(token)).toEqual([]);
    expect(await laterEntries(auth)).toEqual([[userEntry('later', null, null)]]);
  });

  it('values of a userCanView:false attribute stay hidden from the person after the attribute is deleted', async () => {
    const gone = await createAttribute(auth, { name: 'gone', userCanView: false });
    await setValue('eve', gone.id, 'top.secret');
    expect(JSON.stringify(await readMyHistory(token))).not.toContain('top.secret');
    expectData(await gql(deleteAttributeMutation, { input: { userAttributeId: gone.id } }, { auth }));
    expect(JSON.stringify(await readMyHistory(token))).not.toContain('top.secret');
  });

  it('a hidden value stays null in the log after valueIsHidden is turned off', async () => {
    expectData(
      await gql(updateAttributeMutation, { input: { userAttributeId: hidden.id, valueIsHidden: false } }, { auth }),
    );
    try {
      const text = JSON.stringify(await readHistory(auth, 'eve', { name: 'hidden' }));
      expect(text).not.toContain('sesame.');
      expect(text).not.toContain('open.');
    } finally {
      expectData(
        await gql(updateAttributeMutation, { input: { userAttributeId: hidden.id, valueIsHidden: true } }, { auth }),
      );
    }
  });
});

describe('a person deleted and created again with the same id', () => {
  it('its new token sees none of the earlier person’s changes, however it pages', async () => {
    await createPerson(auth, { id: 'reused', attributes: { [rw]: { email: 'first.owner@example.com' } } });
    await merge('reused', ro, { plan: 'first.owner.plan' });
    await setValue('reused', seen.id, 'first.owner.value');
    expectData(await gql(deletePersonDoc, { input: { personId: 'reused' } }, { auth }));
    await createPerson(auth, { id: 'reused', attributes: { [rw]: { email: 'second@example.com' } } });
    await merge('reused', ro, { plan: 'second.plan' });
    const second = await mintToken(auth, 'reused');

    const mine = await readMyHistory(second);
    expect(mine.map(brief)).toEqual([
      { kind: 'UPDATED', actor: 'API_KEY', entries: [attr(ro, 'plan', null, 'second.plan')] },
      {
        kind: 'CREATED',
        actor: 'API_KEY',
        entries: [personEntry('active', null, true), attr(rw, 'email', null, 'second@example.com')],
      },
    ]);
    for (const args of [{ first: 1 }, { area: 'ATTRIBUTE' as const }, { bucket: ro }, { name: 'seen' }]) {
      expect(JSON.stringify(await readMyHistory(second, args)), JSON.stringify(args)).not.toContain('first.');
    }
    // Nor from a cursor of its own history, which only reaches back to its own creation.
    const oldest = mine.at(-1) as ChangeJson;
    expect(await readMyHistory(second, { after: oldest.cursor })).toEqual([]);
  });
});

describe('what person tokens may not read', () => {
  it('personChanges with a person token → FORBIDDEN, whatever the arguments', async () => {
    expectError(await feedPage(token), 'FORBIDDEN');
    expectError(await feedPage(token, { personId: 'eve' }), 'FORBIDDEN');
    const reader = await mintToken(auth, 'eve', ['user:attributes:read']);
    expectError(await feedPage(reader, { personId: 'eve', first: 1 }), 'FORBIDDEN');
  });

  it('another person’s history through person(id) → FORBIDDEN', async () => {
    expectError(await gql(historyDoc, { id: 'mallory' }, { auth: token }), 'FORBIDDEN');
    expectError(await gql(historyDoc, { id: 'eve' }, { auth: token }), 'FORBIDDEN');
  });
});

describe('organizations are isolated', () => {
  it('another organization sees none of these changes, even for a person with the same id', async () => {
    const other = await newOrg('history-privacy-other');
    const ours = await readFeed(auth);
    expect(ours.changes.length).toBeGreaterThan(10);

    expect((await readFeed(other.apiKey)).changes).toEqual([]);
    expect(expectData(await gql(historyDoc, { id: 'eve' }, { auth: other.apiKey })).person).toBeNull();

    await createPerson(other.apiKey, { id: 'eve', attributes: { [rw]: { theirs: true } } });
    const theirs = await readFeed(other.apiKey);
    expect(theirs.changes.map((change) => [change.personId, change.kind, change.actor])).toEqual([
      ['eve', 'CREATED', { kind: 'API_KEY', id: other.keyId }],
    ]);
    expect((await readFeed(other.apiKey, { personId: 'eve' })).changes).toEqual(theirs.changes);
    expect(await readHistory(other.apiKey, 'eve')).toEqual(theirs.changes);

    // Our feed did not gain their change; our eve's history is unchanged.
    const again = await readFeed(auth, { after: ours.endCursor });
    expect(again.changes).toEqual([]);
    expect((await readHistory(auth, 'eve')).some((change) => change.actor.id === other.keyId)).toBe(false);

    // A cursor of ours, given to them, only positions their own feed: it shows nothing of ours.
    const first = ours.changes[0] as ChangeJson;
    const fromOurCursor = await readFeed(other.apiKey, { after: first.cursor });
    expect(fromOurCursor.changes.every((change) => theirs.changes.some((c) => c.cursor === change.cursor))).toBe(true);
    const fromTheirs = await readFeed(auth, { after: (theirs.changes[0] as ChangeJson).cursor });
    expect(fromTheirs.changes.every((change) => ours.changes.some((c) => c.cursor === change.cursor))).toBe(true);
  });
});
