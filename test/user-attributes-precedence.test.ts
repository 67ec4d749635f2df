import { beforeAll, describe, expect, it } from 'vitest';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import {
  type AttributeJson,
  brief,
  createAttribute,
  createPersons,
  deleteValueMutation,
  setGroupValues,
  setPersonGroups,
  setUserValue,
  type ValueJson,
  valuesOf,
} from './helpers/user-attributes.ts';

// Precedence (CONTRACT §7): own value, else the person's group with the lowest rank that has a value, else the
// default, else unset. Groups are set with the real setPersonGroups mutation.
let auth: string;
let region: AttributeJson;

beforeAll(async () => {
  const org = await newOrg('precedence');
  auth = org.apiKey;
  region = await createAttribute(auth, { name: 'region', defaultValue: 'world' });
  await setGroupValues(auth, region.id, [
    { group: 'europe', value: 'eu', rank: 20 },
    { group: 'france', value: 'fr', rank: 10 },
    { group: 'paris', value: 'paris', rank: 5 },
  ]);
});

const regionOf = async (personId: string) => (await valuesOf(auth, personId, { fields: ['region'] }))[0];

describe('precedence matrix', () => {
  it('no groups: the default, with source DEFAULT and rank null', async () => {
    await createPersons(auth, ['nogroups']);
    const value = await regionOf('nogroups');
    expect(value).toEqual({
      name: 'region',
      label: 'region',
      rank: null,
      value: 'world',
      userId: 'nogroups',
      userCanEdit: false,
      valueIsHidden: false,
      userAttributeId: region.id,
      source: 'DEFAULT',
      sourceGroup: null,
      hiddenValueDomainWhitelist: null,
    } satisfies ValueJson);
  });

  it('one group: that group’s value with its name and rank', async () => {
    await createPersons(auth, ['onegroup']);
    await setPersonGroups(auth, 'onegroup', ['europe']);
    expect(brief([(await regionOf('onegroup')) as ValueJson])).toEqual([['region', 'GROUP', 'eu', 20, 'europe']]);
  });

  it('a group without a value for the attribute does not count', async () => {
    await createPersons(auth, ['othergroup']);
    await setPersonGroups(auth, 'othergroup', ['sales']);
    expect((await regionOf('othergroup'))?.source).toBe('DEFAULT');
  });

  it('several groups: the lowest rank wins, whatever the order of ranks and names', async () => {
    await createPersons(auth, ['several']);
    await setPersonGroups(auth, 'several', ['europe', 'france', 'sales']);
    expect(brief([(await regionOf('several')) as ValueJson])).toEqual([['region', 'GROUP', 'fr', 10, 'france']]);
    await setPersonGroups(auth, 'several', ['europe', 'france', 'paris']);
    expect(brief([(await regionOf('several')) as ValueJson])).toEqual([['region', 'GROUP', 'paris', 5, 'paris']]);
  });

  it('leaving the winning group falls back to the next-ranked group, then to the default', async () => {
    await createPersons(auth, ['leaver']);
    await setPersonGroups(auth, 'leaver', ['europe', 'france']);
    expect((await regionOf('leaver'))?.sourceGroup).toBe('france');
    await setPersonGroups(auth, 'leaver', ['europe']);
    expect(brief([(await regionOf('leaver')) as ValueJson])).toEqual([['region', 'GROUP', 'eu', 20, 'europe']]);
    await setPersonGroups(auth, 'leaver', []);
    expect(brief([(await regionOf('leaver')) as ValueJson])).toEqual([['region', 'DEFAULT', 'world', null, null]]);
  });

  it('own value beats every group; deleting it falls back to the winning group', async () => {
    await createPersons(auth, ['owner']);
    await setPersonGroups(auth, 'owner', ['france', 'paris']);
    const set = await setUserValue(auth, 'owner', region.id, 'mine');
    expect(brief([set])).toEqual([['region', 'USER', 'mine', null, null]]);
    expect(brief([(await regionOf('owner')) as ValueJson])).toEqual([['region', 'USER', 'mine', null, null]]);

    const deleted = expectData(
      await gql<{ deleteUserAttributeValue: { value: ValueJson } }>(
        deleteValueMutation,
        { input: { userId: 'owner', userAttributeId: region.id } },
        { auth },
      ),
    ).deleteUserAttributeValue.value;
    expect(brief([deleted])).toEqual([['region', 'GROUP', 'paris', 5, 'paris']]);
    expect(brief([(await regionOf('owner')) as ValueJson])).toEqual([['region', 'GROUP', 'paris', 5, 'paris']]);
  });

  it('deleting the own value without groups shows the default, and UNSET without a default', async () => {
    const bare = await createAttribute(auth, { name: 'bare_attr' });
    await createPersons(auth, ['deleter']);
    await setUserValue(auth, 'deleter', bare.id, 'x');
    await setUserValue(auth, 'deleter', region.id, 'y');
    const del = async (id: string) =>
      expectData(
        await gql<{ deleteUserAttributeValue: { value: ValueJson } }>(
          deleteValueMutation,
          { input: { userId: 'deleter', userAttributeId: id } },
          { auth },
        ),
      ).deleteUserAttributeValue.value;
    expect(brief([await del(region.id)])).toEqual([['region', 'DEFAULT', 'world', null, null]]);
    const unset = await del(bare.id);
    expect(brief([unset])).toEqual([['bare_attr', 'UNSET', null, null, null]]);
    expect(unset.userId).toBe('deleter');
  });

  it('replacing the group values changes the winner at once (value and rank)', async () => {
    const tier = await createAttribute(auth, { name: 'tier' });
    await createPersons(auth, ['replaced']);
    await setPersonGroups(auth, 'replaced', ['gold', 'silver']);
    await setGroupValues(auth, tier.id, [
      { group: 'gold', value: 'g1', rank: 1 },
      { group: 'silver', value: 's2', rank: 2 },
    ]);
    const tierOf = async () => brief(await valuesOf(auth, 'replaced', { fields: ['tier'] }));
    expect(await tierOf()).toEqual([['tier', 'GROUP', 'g1', 1, 'gold']]);
    // The winning group's value replaced.
    await setGroupValues(auth, tier.id, [
      { group: 'gold', value: 'g-new', rank: 1 },
      { group: 'silver', value: 's2', rank: 2 },
    ]);
    expect(await tierOf()).toEqual([['tier', 'GROUP', 'g-new', 1, 'gold']]);
    // Ranks swapped: silver wins now.
    await setGroupValues(auth, tier.id, [
      { group: 'gold', value: 'g-new', rank: 7 },
      { group: 'silver', value: 's2', rank: 3 },
    ]);
    expect(await tierOf()).toEqual([['tier', 'GROUP', 's2', 3, 'silver']]);
    // The winning group dropped from the attribute.
    await setGroupValues(auth, tier.id, [{ group: 'gold', value: 'g-new', rank: 7 }]);
    expect(await tierOf()).toEqual([['tier', 'GROUP', 'g-new', 7, 'gold']]);
    // No group values at all: nothing applies (no default).
    await setGroupValues(auth, tier.id, []);
    expect(await tierOf()).toEqual([]);
    expect(brief(await valuesOf(auth, 'replaced', { fields: ['tier'], includeUnset: true }))).toEqual([
      ['tier', 'UNSET', null, null, null],
    ]);
  });

  it('changing or clearing the default changes what persons without other values get', async () => {
    const color = await createAttribute(auth, { name: 'color', defaultValue: 'red' });
    await createPersons(auth, ['defaulted']);
    const colorOf = async () => brief(await valuesOf(auth, 'defaulted', { fields: ['color'], includeUnset: true }));
    expect(await colorOf()).toEqual([['color', 'DEFAULT', 'red', null, null]]);
    const update = `mutation($input: UpdateUserAttributeInput!) { updateUserAttribute(input: $input) { userAttribute { defaultValue } } }`;
    expectData(await gql(update, { input: { userAttributeId: color.id, defaultValue: 'blue' } }, { auth }));
    expect(await colorOf()).toEqual([['color', 'DEFAULT', 'blue', null, null]]);
    expectData(await gql(update, { input: { userAttributeId: color.id, defaultValue: null } }, { auth }));
    expect(await colorOf()).toEqual([['color', 'UNSET', null, null, null]]);
  });
});

describe('listing', () => {
  let person: string;
  beforeAll(async () => {
    const org = await newOrg('listing');
    auth = org.apiKey;
    person = 'lister';
    await createPersons(auth, [person]);
    await setPersonGroups(auth, person, ['alpha', 'beta', 'gamma']);
    // Created out of name order, to see the listing sorted by name.
    const zeta = await createAttribute(auth, { name: 'zeta', defaultValue: 'z-default' });
    const alpha = await createAttribute(auth, { name: 'alpha_attr', defaultValue: 'a-default' });
    await createAttribute(auth, { name: 'empty_attr' });
    const mid = await createAttribute(auth, { name: 'mid' });
    await setGroupValues(auth, alpha.id, [
      { group: 'gamma', value: 'a-gamma' },
      { group: 'alpha', value: 'a-alpha' },
      { group: 'outsider', value: 'a-outsider' },
      { group: 'beta', value: 'a-beta' },
    ]);
    await setGroupValues(auth, mid.id, [{ group: 'beta', value: 'm-beta', rank: 100 }]);
    await setUserValue(auth, person, alpha.id, 'a-own');
    await setUserValue(auth, person, zeta.id, 'z-own');
  });

  it('by default lists one effective value per attribute that has one, by name', async () => {
    expect(brief(await valuesOf(auth, person))).toEqual([
      ['alpha_attr', 'USER', 'a-own', null, null],
      ['mid', 'GROUP', 'm-beta', 100, 'beta'],
      ['zeta', 'USER', 'z-own', null, null],
    ]);
  });

  it('includeUnset adds an UNSET entry for each attribute without any value', async () => {
    expect(brief(await valuesOf(auth, person, { includeUnset: true }))).toEqual([
      ['alpha_attr', 'USER', 'a-own', null, null],
      ['empty_attr', 'UNSET', null, null, null],
      ['mid', 'GROUP', 'm-beta', 100, 'beta'],
      ['zeta', 'USER', 'z-own', null, null],
    ]);
  });

  it('allValues lists the whole search path: USER, the person’s groups by rank, DEFAULT', async () => {
    expect(brief(await valuesOf(auth, person, { allValues: true }))).toEqual([
      ['alpha_attr', 'USER', 'a-own', null, null],
      // Array order gave the ranks: gamma 1, alpha 2, (outsider 3, not the person's group), beta 4.
      ['alpha_attr', 'GROUP', 'a-gamma', 1, 'gamma'],
      ['alpha_attr', 'GROUP', 'a-alpha', 2, 'alpha'],
      ['alpha_attr', 'GROUP', 'a-beta', 4, 'beta'],
      ['alpha_attr', 'DEFAULT', 'a-default', null, null],
      ['mid', 'GROUP', 'm-beta', 100, 'beta'],
      ['zeta', 'USER', 'z-own', null, null],
      ['zeta', 'DEFAULT', 'z-default', null, null],
    ]);
    expect(
      brief(await valuesOf(auth, person, { allValues: true, includeUnset: true, fields: ['empty_attr', 'mid'] })),
    ).toEqual([
      ['empty_attr', 'UNSET', null, null, null],
      ['mid', 'GROUP', 'm-beta', 100, 'beta'],
    ]);
  });

  it('fields restricts to the named attributes; unknown names select nothing', async () => {
    expect(brief(await valuesOf(auth, person, { fields: ['zeta', 'nope'] }))).toEqual([
      ['zeta', 'USER', 'z-own', null, null],
    ]);
    expect(await valuesOf(auth, person, { fields: [] })).toEqual([]);
  });

  it('Person.attributeValues resolves the same way as userAttributeValues', async () => {
    const data = expectData(
      await gql<{ person: { attributeValues: ValueJson[] } }>(
        'query($id: ID!) { person(id: $id) { attributeValues(allValues: true, includeUnset: true) { name source value rank sourceGroup label userId userCanEdit valueIsHidden userAttributeId hiddenValueDomainWhitelist } } }',
        { id: person },
        { auth },
      ),
    );
    expect(data.person.attributeValues).toEqual(await valuesOf(auth, person, { allValues: true, includeUnset: true }));
  });
});
