import { beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  createBucketDoc,
  createPerson,
  createPersonDoc,
  createRoleDoc,
  deleteAttributesDoc,
  deletePersonDoc,
  issuePaths,
  mergeDoc,
  mintDoc,
  patchPersonDoc,
  replaceDoc,
  setGroupsDoc,
} from './helpers/persons.ts';

// Every argument of section 5 that takes an ID or name of an org-owned object, aimed at another organization's
// object: it must behave exactly like an unknown one (CONTRACT §2), and the victim's data must not change.

let attacker: { orgId: string; apiKey: string };
let victim: { orgId: string; apiKey: string };

const snapshotDoc = `{
  person(id: "victim") { id active personType region handles { type value } groups roles attributes eTag updatedAt }
  roles { id name }
  attributeBuckets { name endUserPermissions builtIn }
  persons(first: 100) { totalCount nodes { id eTag } }
}`;
const snapshot = async () => expectData(await gql(snapshotDoc, {}, { auth: victim.apiKey }));
let before: unknown;

beforeAll(async () => {
  attacker = await newOrg('attacker');
  victim = await newOrg('victim');
  expectData(await gql(createRoleDoc, { input: { name: 'victim-role' } }, { auth: victim.apiKey }));
  expectData(
    await gql(
      createBucketDoc,
      { input: { name: 'victim_bucket', endUserPermissions: 'READ_WRITE' } },
      { auth: victim.apiKey },
    ),
  );
  await createPerson(victim.apiKey, {
    id: 'victim',
    handles: [{ type: 'EMAIL_ADDRESS', value: 'victim@example.com' }],
    groups: ['victim-group'],
    roles: ['victim-role'],
    attributes: { victim_bucket: { secret: 1 }, end_user_read_write: { theme: 'dark' } },
  });
  await createPerson(attacker.apiKey, { id: 'attacker' });
  before = await snapshot();
});

const asAttacker = (doc: string, variables: Record<string, unknown>) => gql(doc, variables, { auth: attacker.apiKey });

describe('another organization’s objects are unknown to the caller', () => {
  it('queries: person(id) is null, persons filters find nothing, buckets are NOT_FOUND', async () => {
    expect(expectData(await asAttacker('{ person(id: "victim") { id } }', {})).person).toBeNull();
    const listDoc =
      'query L($filter: PersonFilter) { persons(first: 100, filter: $filter) { totalCount nodes { id } } }';
    for (const filter of [
      { role: `${victim.orgId}/victim-role` },
      { role: 'victim-role' },
      { group: 'victim-group' },
      { handle: 'victim@example.com' },
    ]) {
      const data = expectData(await asAttacker(listDoc, { filter })) as {
        persons: { totalCount: number; nodes: unknown[] };
      };
      expect(data.persons).toEqual({ totalCount: 0, nodes: [] });
    }
    expectError(
      await asAttacker('{ person(id: "attacker") { attributes(buckets: ["victim_bucket"]) } }', {}),
      'NOT_FOUND',
    );
    expectError(await asAttacker('{ person(id: "attacker") { bucket(name: "victim_bucket") } }', {}), 'NOT_FOUND');
  });

  it('mutations on the victim person by id: NOT_FOUND', async () => {
    const attempts: [string, Record<string, unknown>][] = [
      [deletePersonDoc, { input: { personId: 'victim' } }],
      [patchPersonDoc, { input: { personId: 'victim', active: false } }],
      [setGroupsDoc, { input: { personId: 'victim', groups: ['pwned'] } }],
      [mergeDoc, { input: { personId: 'victim', bucket: 'end_user_read_write', attributes: { theme: 'pwned' } } }],
      [replaceDoc, { input: { personId: 'victim', bucket: 'end_user_read_write', attributes: {} } }],
      [deleteAttributesDoc, { input: { personId: 'victim', bucket: 'end_user_read_write', names: ['theme'] } }],
      [mintDoc, { input: { personId: 'victim', scopes: ['user:attributes:write'] } }],
    ];
    for (const [doc, variables] of attempts) expectError(await asAttacker(doc, variables), 'NOT_FOUND');
  });

  it('mutations naming the victim organization’s bucket: NOT_FOUND', async () => {
    const attempts: [string, Record<string, unknown>][] = [
      [mergeDoc, { input: { personId: 'attacker', bucket: 'victim_bucket', attributes: { a: 1 } } }],
      [replaceDoc, { input: { personId: 'attacker', bucket: 'victim_bucket', attributes: { a: 1 } } }],
      [deleteAttributesDoc, { input: { personId: 'attacker', bucket: 'victim_bucket', names: ['secret'] } }],
      [createPersonDoc, { input: { id: 'new-one', attributes: { victim_bucket: { a: 1 } } } }],
    ];
    for (const [doc, variables] of attempts) expectError(await asAttacker(doc, variables), 'NOT_FOUND');
  });

  it('roles of the victim organization: BAD_USER_INPUT naming them, bare or qualified', async () => {
    const roles = ['victim-role', `${victim.orgId}/victim-role`];
    for (const doc of [patchPersonDoc, createPersonDoc]) {
      const input = doc === patchPersonDoc ? { personId: 'attacker', roles } : { id: 'new-two', roles };
      const response = await asAttacker(doc, { input });
      expectError(response, 'BAD_USER_INPUT');
      expect(issuePaths(response)).toEqual([
        ['input', 'roles', '0'],
        ['input', 'roles', '1'],
      ]);
    }
  });

  it('names and ids the victim organization holds are free in the attacker’s own organization', async () => {
    // Role, bucket and person id, handle: unique per organization, so no CONFLICT and no change to the victim.
    expectData(await asAttacker(createRoleDoc, { input: { name: 'victim-role' } }));
    expectData(
      await asAttacker(createBucketDoc, { input: { name: 'victim_bucket', endUserPermissions: 'NO_ACCESS' } }),
    );
    const mine = await createPerson(attacker.apiKey, {
      id: 'victim',
      handles: [{ type: 'EMAIL_ADDRESS', value: 'VICTIM@example.com' }],
      roles: ['victim-role'],
      attributes: { victim_bucket: { mine: true } },
    });
    expect(mine.roles).toEqual([`${attacker.orgId}/victim-role`]);
    expect(mine.attributes?.victim_bucket).toEqual({ mine: true });
    // Changing the attacker's own "victim" leaves the victim organization's "victim" alone.
    expectData(await asAttacker(deletePersonDoc, { input: { personId: 'victim' } }));
  });

  it('left the victim organization exactly as it was', async () => {
    expect(await snapshot()).toEqual(before);
  });
});
