import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, type GraphQLResponse, gql, newOrg } from './helpers/graphql.ts';
import {
  type AttributeJson,
  brief,
  createAttribute,
  createPersons,
  deleteAttributeMutation,
  deleteValueMutation,
  groupValuesQuery,
  personToken,
  setGroupValues,
  setGroupValuesMutation,
  setMyValueMutation,
  setPersonGroups,
  setUserValue,
  setValueMutation,
  updateAttributeMutation,
  valuesOf,
  valuesQuery,
} from './helpers/user-attributes.ts';

// Another organization's user attribute or person behaves exactly like an unknown one (CONTRACT §2): every ID
// argument of §7 is tried with the other org's object and with an unknown id, and nothing is read or changed.
let a: { orgId: string; apiKey: string };
let b: { orgId: string; apiKey: string };
let attrA: AttributeJson;
let attrB: AttributeJson;

/** Everything stored for §7 in org B, to prove nothing changed. */
const snapshotB = async () => ({
  attributes: await db.userAttribute.findMany({ where: { orgId: b.orgId }, orderBy: { id: 'asc' } }),
  groupValues: await db.userAttributeGroupValue.findMany({ where: { orgId: b.orgId }, orderBy: { id: 'asc' } }),
  values: await db.userAttributeValue.findMany({ where: { orgId: b.orgId }, orderBy: { personId: 'asc' } }),
  persons: await db.person.findMany({ where: { orgId: b.orgId }, orderBy: { id: 'asc' } }),
});

beforeAll(async () => {
  a = await newOrg('tenant-a');
  b = await newOrg('tenant-b');
  attrA = await createAttribute(a.apiKey, { name: 'plan', userCanEdit: true });
  attrB = await createAttribute(b.apiKey, { name: 'plan', userCanEdit: true, defaultValue: 'b-default' });
  await createPersons(a.apiKey, ['shared', 'only_a']);
  await createPersons(b.apiKey, ['shared', 'only_b']);
  await setPersonGroups(a.apiKey, 'shared', ['staff']);
  await setPersonGroups(b.apiKey, 'shared', ['staff']);
  await setGroupValues(b.apiKey, attrB.id, [{ group: 'staff', value: 'b-staff' }]);
  await setUserValue(b.apiKey, 'only_b', attrB.id, 'b-own');
});

/** The other org's id and an unknown id must give the same error code and message. */
async function sameAsUnknown(send: (id: string) => Promise<GraphQLResponse<unknown>>, otherOrgId: string) {
  const other = expectError(await send(otherOrgId), 'NOT_FOUND');
  const unknown = expectError(await send(`unknown-${otherOrgId}`), 'NOT_FOUND');
  expect(other.message).toBe(unknown.message);
}

describe('another organization’s ids are unknown', () => {
  it('in every ID argument of §7, with nothing read or changed', async () => {
    const before = await snapshotB();
    const auth = { auth: a.apiKey };
    const token = await personToken(a.apiKey, 'only_a');

    // Queries.
    await sameAsUnknown((id) => gql(groupValuesQuery, { id }, auth), attrB.id);
    await sameAsUnknown((userId) => gql(valuesQuery, { userId }, auth), 'only_b');

    // Definitions.
    await sameAsUnknown(
      (userAttributeId) => gql(updateAttributeMutation, { input: { userAttributeId, label: 'stolen' } }, auth),
      attrB.id,
    );
    await sameAsUnknown(
      (userAttributeId) => gql(deleteAttributeMutation, { input: { userAttributeId } }, auth),
      attrB.id,
    );
    await sameAsUnknown(
      (userAttributeId) =>
        gql(setGroupValuesMutation, { input: { userAttributeId, values: [{ group: 'staff', value: 'x' }] } }, auth),
      attrB.id,
    );

    // Person values: the attribute of B with a person of A, and a person of B with the attribute of A.
    await sameAsUnknown(
      (userAttributeId) => gql(setValueMutation, { input: { userId: 'only_a', userAttributeId, value: 'x' } }, auth),
      attrB.id,
    );
    await sameAsUnknown(
      (userId) => gql(setValueMutation, { input: { userId, userAttributeId: attrA.id, value: 'x' } }, auth),
      'only_b',
    );
    await sameAsUnknown(
      (userAttributeId) => gql(deleteValueMutation, { input: { userId: 'only_a', userAttributeId } }, auth),
      attrB.id,
    );
    await sameAsUnknown(
      (userId) => gql(deleteValueMutation, { input: { userId, userAttributeId: attrA.id } }, auth),
      'only_b',
    );

    // End user of A with B's attribute.
    await sameAsUnknown(
      (userAttributeId) => gql(setMyValueMutation, { input: { userAttributeId, value: 'x' } }, { auth: token }),
      attrB.id,
    );

    expect(await snapshotB()).toEqual(before);
    // A wrote nothing either (the failed writes rolled back, A's persons have no values).
    expect(await db.userAttributeValue.count({ where: { orgId: a.orgId } })).toBe(0);
  });

  it('a person id both organizations hold resolves only against its own organization’s data', async () => {
    // Same person id, same group name: B's group value and default must not leak into A.
    expect(brief(await valuesOf(a.apiKey, 'shared', { includeUnset: true, allValues: true }))).toEqual([
      ['plan', 'UNSET', null, null, null],
    ]);
    expect(brief(await valuesOf(b.apiKey, 'shared', { allValues: true }))).toEqual([
      ['plan', 'GROUP', 'b-staff', 1, 'staff'],
      ['plan', 'DEFAULT', 'b-default', null, null],
    ]);
    const set = await setUserValue(a.apiKey, 'shared', attrA.id, 'a-own');
    expect(set.userAttributeId).toBe(attrA.id);
    expect(await db.userAttributeValue.count({ where: { orgId: b.orgId, personId: 'shared' } })).toBe(0);
    const list = expectData(
      await gql<{ userAttributes: { id: string }[] }>('{ userAttributes { id } }', {}, { auth: a.apiKey }),
    );
    expect(list.userAttributes.map((attribute) => attribute.id)).toEqual([attrA.id]);
  });
});
