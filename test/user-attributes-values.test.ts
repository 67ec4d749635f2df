import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  type AttributeJson,
  brief,
  createAttribute,
  createAttributeMutation,
  createPersons,
  deleteValueMutation,
  myValuesQuery,
  personToken,
  setGroupValues,
  setMyValueMutation,
  setPersonGroups,
  setUserValue,
  setValueMutation,
  type ValueJson,
  valuesOf,
  valuesQuery,
} from './helpers/user-attributes.ts';

let org: { orgId: string; apiKey: string };
let auth: string;

beforeAll(async () => {
  org = await newOrg('values');
  auth = org.apiKey;
  await createPersons(auth, ['ada', 'bob']);
});

const eTagOf = async (id: string) =>
  (await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id } } })).eTag;
const setValue = (userId: string, userAttributeId: string, value: string) =>
  gql<{ setUserAttributeValue: { value: ValueJson } }>(
    setValueMutation,
    { input: { userId, userAttributeId, value } },
    { auth },
  );
const issuePaths = (response: Awaited<ReturnType<typeof gql>>) =>
  (expectError(response, 'BAD_USER_INPUT').extensions?.issues ?? []).map((issue) => issue.path);

describe('setUserAttributeValue', () => {
  it('checks the value against the type (NUMBER, YESNO, DATETIME, ZIPCODE) and stores it as given', async () => {
    const cases: [string, string, string][] = [
      ['NUMBER', '007.50', '7,5'],
      ['YESNO', 'yes', 'YES'],
      ['DATETIME', '2026-11-23T10:15:30+01:00', '2026-11-23T10:15:30'],
      ['ZIPCODE', '02134', '2134'],
    ];
    for (const [type, good, bad] of cases) {
      const attribute = await createAttribute(auth, { name: `v_${type.toLowerCase()}`, type });
      expect(issuePaths(await setValue('ada', attribute.id, bad)), `${type} ${bad}`).toEqual([['input', 'value']]);
      const data = expectData(await setValue('ada', attribute.id, good));
      expect(data.setUserAttributeValue.value).toMatchObject({
        source: 'USER',
        value: good,
        rank: null,
        userId: 'ada',
      });
    }
  });

  it('accepts 65,536 bytes for a free-text type, refuses 65,537', async () => {
    const note = await createAttribute(auth, { name: 'note', type: 'ADVANCED_FILTER_STRING' });
    const big = `€${'n'.repeat(65_533)}`;
    expect(expectData(await setValue('ada', note.id, big)).setUserAttributeValue.value.value).toBe(big);
    expect(issuePaths(await setValue('ada', note.id, `${big}n`))).toEqual([['input', 'value']]);
  });

  it('overwrites the own value and changes the person’s eTag; a refused write changes nothing', async () => {
    const mood = await createAttribute(auth, { name: 'mood', type: 'YESNO' });
    const before = await eTagOf('bob');
    await setUserValue(auth, 'bob', mood.id, 'yes');
    const afterFirst = await eTagOf('bob');
    expect(afterFirst).not.toBe(before);
    await setUserValue(auth, 'bob', mood.id, 'no');
    expect(brief(await valuesOf(auth, 'bob', { fields: ['mood'], allValues: true }))).toEqual([
      ['mood', 'USER', 'no', null, null],
    ]);
    const afterSecond = await eTagOf('bob');
    expect(afterSecond).not.toBe(afterFirst);

    expectError(await setValue('bob', mood.id, 'maybe'), 'BAD_USER_INPUT');
    expectError(await setValue('bob', 'unknown-attribute', 'yes'), 'NOT_FOUND');
    expect(await eTagOf('bob')).toBe(afterSecond);
    expect(brief(await valuesOf(auth, 'bob', { fields: ['mood'] }))).toEqual([['mood', 'USER', 'no', null, null]]);
  });

  it('answers NOT_FOUND for an unknown person and stores nothing', async () => {
    const attribute = await createAttribute(auth, { name: 'orphan' });
    expectError(await setValue('nobody', attribute.id, 'x'), 'NOT_FOUND');
    expect(await db.userAttributeValue.count({ where: { orgId: org.orgId, userAttributeId: attribute.id } })).toBe(0);
    expectError(await gql(valuesQuery, { userId: 'nobody' }, { auth }), 'NOT_FOUND');
  });

  it('deleteUserAttributeValue changes the eTag and answers NOT_FOUND for unknown ids', async () => {
    const pet = await createAttribute(auth, { name: 'pet', defaultValue: 'cat' });
    await setUserValue(auth, 'bob', pet.id, 'dog');
    const before = await eTagOf('bob');
    const data = expectData(
      await gql<{ deleteUserAttributeValue: { value: ValueJson } }>(
        deleteValueMutation,
        { input: { userId: 'bob', userAttributeId: pet.id } },
        { auth },
      ),
    );
    expect(brief([data.deleteUserAttributeValue.value])).toEqual([['pet', 'DEFAULT', 'cat', null, null]]);
    expect(await eTagOf('bob')).not.toBe(before);
    expectError(
      await gql(deleteValueMutation, { input: { userId: 'nobody', userAttributeId: pet.id } }, { auth }),
      'NOT_FOUND',
    );
    expectError(
      await gql(deleteValueMutation, { input: { userId: 'bob', userAttributeId: 'nope' } }, { auth }),
      'NOT_FOUND',
    );
  });
});

describe('concurrent writes', () => {
  it('of one person’s values all land, each attribute ends with one of the values written', async () => {
    const a1 = await createAttribute(auth, { name: 'race_one' });
    const a2 = await createAttribute(auth, { name: 'race_two' });
    await createPersons(auth, ['racer']);
    const writes = Array.from({ length: 12 }, (_, i) => setValue('racer', i % 2 === 0 ? a1.id : a2.id, `w${i}`));
    for (const response of await Promise.all(writes)) expectData(response);
    const values = await valuesOf(auth, 'racer', { fields: ['race_one', 'race_two'] });
    expect(values.map((v) => v.source)).toEqual(['USER', 'USER']);
    expect(['w0', 'w2', 'w4', 'w6', 'w8', 'w10']).toContain(values[0]?.value);
    expect(['w1', 'w3', 'w5', 'w7', 'w9', 'w11']).toContain(values[1]?.value);
  });
});

describe('hidden values', () => {
  let secret: AttributeJson;
  beforeAll(async () => {
    secret = await createAttribute(auth, {
      name: 'secret_key',
      valueIsHidden: true,
      userCanEdit: true,
      defaultValue: 'default-secret',
      hiddenValueDomainWhitelist: 'https://ok.example/*',
    });
    await createPersons(auth, ['hidden_user', 'hidden_grouped']);
    await setPersonGroups(auth, 'hidden_grouped', ['vault']);
    await setGroupValues(auth, secret.id, [{ group: 'vault', value: 'group-secret' }]);
  });

  it('are null in every response, while the stored value still resolves (source, rank, group)', async () => {
    const set = await setUserValue(auth, 'hidden_user', secret.id, 'my-secret');
    expect(set).toMatchObject({
      source: 'USER',
      value: null,
      valueIsHidden: true,
      hiddenValueDomainWhitelist: 'https://ok.example/*',
    });
    expect(brief(await valuesOf(auth, 'hidden_user', { fields: ['secret_key'], allValues: true }))).toEqual([
      ['secret_key', 'USER', null, null, null],
      ['secret_key', 'DEFAULT', null, null, null],
    ]);
    expect(brief(await valuesOf(auth, 'hidden_grouped', { fields: ['secret_key'] }))).toEqual([
      ['secret_key', 'GROUP', null, 1, 'vault'],
    ]);
    const person = expectData(
      await gql<{ person: { attributeValues: ValueJson[] } }>(
        'query($id: ID!) { person(id: $id) { attributeValues(fields: ["secret_key"]) { source value } } }',
        { id: 'hidden_user' },
        { auth },
      ),
    );
    expect(person.person.attributeValues).toEqual([{ source: 'USER', value: null }]);
    const token = await personToken(auth, 'hidden_user');
    const mine = expectData(await gql<{ myAttributeValues: ValueJson[] }>(myValuesQuery, {}, { auth: token }));
    expect(brief(mine.myAttributeValues.filter((v) => v.name === 'secret_key'))).toEqual([
      ['secret_key', 'USER', null, null, null],
    ]);
    const setMine = expectData(
      await gql<{ setMyUserAttributeValue: { value: ValueJson } }>(
        setMyValueMutation,
        { input: { userAttributeId: secret.id, value: 'new-secret' } },
        { auth: token },
      ),
    );
    expect(setMine.setMyUserAttributeValue.value).toMatchObject({ source: 'USER', value: null });
    const row = await db.userAttributeValue.findUniqueOrThrow({
      where: {
        orgId_personId_userAttributeId: { orgId: org.orgId, personId: 'hidden_user', userAttributeId: secret.id },
      },
    });
    expect(row.value).toBe('new-secret');
  });
});

describe('person tokens', () => {
  let visible: AttributeJson;
  let invisible: AttributeJson;
  let editable: AttributeJson;
  let readToken: string;
  let writeToken: string;

  beforeAll(async () => {
    const other = await newOrg('tokens');
    auth = other.apiKey;
    org = other;
    await createPersons(auth, ['carol', 'dave']);
    visible = await createAttribute(auth, { name: 'team', defaultValue: 'core' });
    invisible = await createAttribute(auth, {
      name: 'salary_band',
      type: 'NUMBER',
      userCanView: false,
      defaultValue: '3',
    });
    editable = await createAttribute(auth, { name: 'nickname', userCanEdit: true });
    await setUserValue(auth, 'dave', editable.id, 'davy');
    readToken = await personToken(auth, 'carol', ['user:attributes:read']);
    writeToken = await personToken(auth, 'carol', ['user:attributes:write']);
  });

  const setMine = (token: string, userAttributeId: string, value: string) =>
    gql<{ setMyUserAttributeValue: { value: ValueJson } }>(
      setMyValueMutation,
      { input: { userAttributeId, value } },
      { auth: token },
    );

  it('myAttributeValues shows the caller’s values of userCanView attributes only, with read or write scope', async () => {
    for (const token of [readToken, writeToken]) {
      const data = expectData(await gql<{ myAttributeValues: ValueJson[] }>(myValuesQuery, {}, { auth: token }));
      expect(brief(data.myAttributeValues)).toEqual([['team', 'DEFAULT', 'core', null, null]]);
      expect(data.myAttributeValues[0]?.userId).toBe('carol');
    }
    const filtered = expectData(
      await gql<{ myAttributeValues: ValueJson[] }>(
        myValuesQuery,
        { fields: ['salary_band', 'nope'] },
        { auth: readToken },
      ),
    );
    expect(filtered.myAttributeValues).toEqual([]);
  });

  it('me { attributeValues } also omits userCanView: false attributes; the admin sees them', async () => {
    const query = '{ me { attributeValues(includeUnset: true) { name } } }';
    const me = expectData(await gql<{ me: { attributeValues: { name: string }[] } }>(query, {}, { auth: readToken }));
    expect(me.me.attributeValues.map((v) => v.name)).toEqual(['nickname', 'team']);
    expect((await valuesOf(auth, 'carol', { includeUnset: true })).map((v) => v.name)).toEqual([
      'nickname',
      'salary_band',
      'team',
    ]);
  });

  it('setMyUserAttributeValue writes the caller’s own value of a userCanEdit attribute', async () => {
    const before = await eTagOf('carol');
    const data = expectData(await setMine(writeToken, editable.id, 'caz'));
    expect(data.setMyUserAttributeValue.value).toMatchObject({
      name: 'nickname',
      source: 'USER',
      value: 'caz',
      userId: 'carol',
      userCanEdit: true,
    });
    expect(await eTagOf('carol')).not.toBe(before);
    // Only the caller's value changed.
    expect(brief(await valuesOf(auth, 'dave', { fields: ['nickname'] }))).toEqual([
      ['nickname', 'USER', 'davy', null, null],
    ]);
  });

  it('answers FORBIDDEN for a userCanEdit: false attribute and writes nothing', async () => {
    const before = await eTagOf('carol');
    expectError(await setMine(writeToken, visible.id, 'mine'), 'FORBIDDEN');
    expectError(await setMine(writeToken, invisible.id, '9'), 'FORBIDDEN');
    expect(await eTagOf('carol')).toBe(before);
    expect(await db.userAttributeValue.count({ where: { orgId: org.orgId, personId: 'carol' } })).toBe(1);
  });

  it('checks the value against the type', async () => {
    const age = await createAttribute(auth, { name: 'age', type: 'NUMBER', userCanEdit: true });
    const error = expectError(await setMine(writeToken, age.id, 'old'), 'BAD_USER_INPUT');
    expect(error.extensions?.issues?.map((issue) => issue.path)).toEqual([['input', 'value']]);
    expect(expectData(await setMine(writeToken, age.id, '42')).setMyUserAttributeValue.value.value).toBe('42');
  });

  it('needs the write scope to set, and NOT_FOUND for an unknown attribute', async () => {
    expectError(await setMine(readToken, editable.id, 'nope'), 'FORBIDDEN');
    expectError(await setMine(writeToken, 'unknown', 'x'), 'NOT_FOUND');
  });

  it('cannot use the admin operations of §7 (FORBIDDEN), and an org key cannot use the “my” ones', async () => {
    for (const [query, variables] of [
      ['{ userAttributes { id } }', {}],
      [valuesQuery, { userId: 'carol' }],
      ['query($id: ID!) { userAttributeGroupValues(userAttributeId: $id) { id } }', { id: visible.id }],
      [setValueMutation, { input: { userId: 'carol', userAttributeId: editable.id, value: 'x' } }],
      [deleteValueMutation, { input: { userId: 'carol', userAttributeId: editable.id } }],
      [createAttributeMutation, { input: { name: 'evil', label: 'Evil', type: 'STRING' } }],
    ] as const) {
      expectError(await gql(query, variables, { auth: writeToken }), 'FORBIDDEN');
    }
    expect(await db.userAttribute.count({ where: { orgId: org.orgId, name: 'evil' } })).toBe(0);
    expectError(await gql(myValuesQuery, {}, { auth }), 'FORBIDDEN');
    expectError(await setMine(auth, editable.id, 'x'), 'FORBIDDEN');
  });
});
