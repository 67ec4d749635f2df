import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  type AttributeJson,
  createAttribute,
  type GroupValueJson,
  groupValuesQuery,
  setGroupValues,
  setGroupValuesMutation,
} from './helpers/user-attributes.ts';

let org: { orgId: string; apiKey: string };
let auth: string;
let level: AttributeJson;

beforeAll(async () => {
  org = await newOrg('group-values');
  auth = org.apiKey;
  level = await createAttribute(auth, { name: 'level', type: 'NUMBER' });
});

const set = (userAttributeId: string, values: unknown[]) =>
  gql<{ setUserAttributeGroupValues: { values: GroupValueJson[] } }>(
    setGroupValuesMutation,
    { input: { userAttributeId, values } },
    { auth },
  );
const stored = async (id: string) =>
  expectData(await gql<{ userAttributeGroupValues: GroupValueJson[] }>(groupValuesQuery, { id }, { auth }))
    .userAttributeGroupValues;
const pairs = (values: GroupValueJson[]) => values.map((v) => [v.group, v.value, v.rank]);
const issuePaths = (response: Awaited<ReturnType<typeof set>>) =>
  (expectError(response, 'BAD_USER_INPUT').extensions?.issues ?? []).map((issue) => issue.path);

describe('setUserAttributeGroupValues', () => {
  it('all entries ranked: lowest rank first, whatever the array order', async () => {
    const values = await setGroupValues(auth, level.id, [
      { group: 'gold', value: '3', rank: 30 },
      { group: 'platinum', value: '1', rank: 2_147_483_647 },
      { group: 'bronze', value: '9', rank: 1 },
    ]);
    expect(pairs(values)).toEqual([
      ['bronze', '9', 1],
      ['gold', '3', 30],
      ['platinum', '1', 2_147_483_647],
    ]);
    for (const value of values) {
      expect(value.userAttributeId).toBe(level.id);
      expect(value.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(await stored(level.id)).toEqual(values);
  });

  it('no entry ranked: the array position is the rank (first = 1)', async () => {
    const values = await setGroupValues(auth, level.id, [
      { group: 'zulu', value: '1' },
      { group: 'alpha', value: '2' },
      { group: 'mike', value: '3', rank: null },
    ]);
    expect(pairs(values)).toEqual([
      ['zulu', '1', 1],
      ['alpha', '2', 2],
      ['mike', '3', 3],
    ]);
  });

  it('replaces every previous group value, and an empty list removes them all', async () => {
    await setGroupValues(auth, level.id, [{ group: 'only', value: '5' }]);
    expect(pairs(await stored(level.id))).toEqual([['only', '5', 1]]);
    expect(await setGroupValues(auth, level.id, [])).toEqual([]);
    expect(await stored(level.id)).toEqual([]);
  });

  it('refuses a mix of ranked and unranked entries, and changes nothing', async () => {
    await setGroupValues(auth, level.id, [{ group: 'keep', value: '7' }]);
    const paths = issuePaths(
      await set(level.id, [
        { group: 'a1', value: '1', rank: 1 },
        { group: 'b2', value: '2' },
      ]),
    );
    expect(paths).toEqual([['input', 'values']]);
    expect(pairs(await stored(level.id))).toEqual([['keep', '7', 1]]);
  });

  it('refuses two equal ranks and one group twice, naming the later entry', async () => {
    expect(
      issuePaths(
        await set(level.id, [
          { group: 'a1', value: '1', rank: 5 },
          { group: 'b2', value: '2', rank: 6 },
          { group: 'c3', value: '3', rank: 5 },
        ]),
      ),
    ).toEqual([['input', 'values', '2', 'rank']]);
    expect(
      issuePaths(
        await set(level.id, [
          { group: 'a1', value: '1' },
          { group: 'a1', value: '2' },
        ]),
      ),
    ).toEqual([['input', 'values', '1', 'group']]);
    expect(pairs(await stored(level.id))).toEqual([['keep', '7', 1]]);
  });

  it('accepts ranks 1 and 2^31−1, refuses 0 and negatives', async () => {
    expectData(await set(level.id, [{ group: 'low', value: '1', rank: 1 }]));
    expectData(await set(level.id, [{ group: 'high', value: '1', rank: 2_147_483_647 }]));
    expect(issuePaths(await set(level.id, [{ group: 'zero', value: '1', rank: 0 }]))).toEqual([
      ['input', 'values', '0', 'rank'],
    ]);
    expect(issuePaths(await set(level.id, [{ group: 'neg', value: '1', rank: -3 }]))).toEqual([
      ['input', 'values', '0', 'rank'],
    ]);
    // Beyond Int: GraphQL itself refuses the variable.
    const response = await set(level.id, [{ group: 'big', value: '1', rank: 2_147_483_648 }]);
    expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual([['input', 'values', '0', 'rank']]);
    expect(pairs(await stored(level.id))).toEqual([['high', '1', 2_147_483_647]]);
  });

  it('checks group names (2–100 characters, §5 pattern)', async () => {
    expectData(await set(level.id, [{ group: 'ab', value: '1' }]));
    expectData(await set(level.id, [{ group: `a${'b'.repeat(99)}`, value: '1' }]));
    for (const group of ['a', `a${'b'.repeat(100)}`, '-ab', 'ab-', 'a b', 'a/b']) {
      expect(issuePaths(await set(level.id, [{ group, value: '1' }])), group).toEqual([
        ['input', 'values', '0', 'group'],
      ]);
    }
  });

  it('checks every value against the attribute’s type and names each offender', async () => {
    const paths = issuePaths(
      await set(level.id, [
        { group: 'g1', value: '1.5' },
        { group: 'g2', value: 'many' },
        { group: 'g3', value: '2e3' },
        { group: 'g4', value: '' },
      ]),
    );
    expect(paths).toEqual([
      ['input', 'values', '1', 'value'],
      ['input', 'values', '3', 'value'],
    ]);
    const zip = await createAttribute(auth, { name: 'zip', type: 'ZIPCODE' });
    const yesno = await createAttribute(auth, { name: 'flag', type: 'YESNO' });
    const when = await createAttribute(auth, { name: 'since', type: 'DATETIME' });
    expectData(await set(zip.id, [{ group: 'g1', value: '12345-6789' }]));
    expect(issuePaths(await set(zip.id, [{ group: 'g1', value: '1234' }]))).toEqual([
      ['input', 'values', '0', 'value'],
    ]);
    expectData(await set(yesno.id, [{ group: 'g1', value: 'no' }]));
    expect(issuePaths(await set(yesno.id, [{ group: 'g1', value: 'NO' }]))).toEqual([
      ['input', 'values', '0', 'value'],
    ]);
    expectData(await set(when.id, [{ group: 'g1', value: '2026-01-31T08:30:00.000Z' }]));
    expect(issuePaths(await set(when.id, [{ group: 'g1', value: '2026-01-32' }]))).toEqual([
      ['input', 'values', '0', 'value'],
    ]);
  });

  it('accepts a 65,536-byte value of a STRING attribute and refuses 65,537 bytes', async () => {
    const text = await createAttribute(auth, { name: 'text' });
    expectData(await set(text.id, [{ group: 'g1', value: 'v'.repeat(65_536) }]));
    expect(issuePaths(await set(text.id, [{ group: 'g1', value: 'v'.repeat(65_537) }]))).toEqual([
      ['input', 'values', '0', 'value'],
    ]);
  });

  it('answers NOT_FOUND for an unknown attribute, in the query and the mutation', async () => {
    expectError(await gql(groupValuesQuery, { id: 'unknown' }, { auth }), 'NOT_FOUND');
    expectError(await set('unknown', [{ group: 'g1', value: '1' }]), 'NOT_FOUND');
    expect(await db.userAttributeGroupValue.count({ where: { userAttributeId: 'unknown' } })).toBe(0);
  });

  it('hides the values of a valueIsHidden attribute in every response', async () => {
    const secret = await createAttribute(auth, { name: 'secret', valueIsHidden: true, defaultValue: 'd' });
    expect(secret.defaultValue).toBeNull();
    const values = await setGroupValues(auth, secret.id, [{ group: 'g1', value: 'hidden-1' }]);
    expect(values).toMatchObject([{ group: 'g1', value: null, rank: 1 }]);
    expect(await stored(secret.id)).toMatchObject([{ group: 'g1', value: null, rank: 1 }]);
    // Stored all the same.
    const row = await db.userAttributeGroupValue.findFirstOrThrow({
      where: { orgId: org.orgId, userAttributeId: secret.id },
    });
    expect(row.value).toBe('hidden-1');
  });

  it('concurrent replacements of one attribute never mix: the result is exactly one of the sets', async () => {
    const raced = await createAttribute(auth, { name: 'raced' });
    const sets = Array.from({ length: 8 }, (_, n) =>
      Array.from({ length: 5 }, (_, i) => ({ group: `set${n}-g${i}`, value: `v${n}-${i}` })),
    );
    const responses = await Promise.all(sets.map((values) => set(raced.id, values)));
    for (const response of responses) expectData(response);
    const final = pairs(await stored(raced.id));
    const candidates = sets.map((values) => values.map((entry, i) => [entry.group, entry.value, i + 1]));
    expect(candidates).toContainEqual(final);
  });
});
