import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  createBucketDoc,
  createPerson,
  createPersonDoc,
  createRoleDoc,
  deleteAttributesDoc,
  deletePersonDoc,
  mergeDoc,
  mintToken,
  patchPersonDoc,
  replaceDoc,
  setGroupsDoc,
  updateMyDoc,
} from './helpers/persons.ts';

let org: { orgId: string; apiKey: string };
let other: { orgId: string; apiKey: string };
let readWrite: string;
let readOnly: string;
let writeOnly: string;

const meDoc = '{ me { id attributes } }';

beforeAll(async () => {
  org = await newOrg('end-users');
  other = await newOrg('end-users-other');
  expectData(
    await gql(
      createBucketDoc,
      { input: { name: 'custom_rw', endUserPermissions: 'READ_WRITE' } },
      { auth: org.apiKey },
    ),
  );
  expectData(
    await gql(
      createBucketDoc,
      { input: { name: 'custom_hidden', endUserPermissions: 'NO_ACCESS' } },
      { auth: org.apiKey },
    ),
  );
  await createPerson(org.apiKey, {
    id: 'ada',
    attributes: {
      end_user_no_access: { risk: 'high' },
      end_user_read_only: { plan: 'pro' },
      end_user_read_write: { theme: 'dark' },
      custom_hidden: { note: 'x' },
    },
  });
  await createPerson(org.apiKey, { id: 'bob', attributes: { end_user_read_write: { theme: 'light' } } });
  // Another organization's person with the same id must never be reached.
  await createPerson(other.apiKey, { id: 'ada', attributes: { end_user_read_write: { theme: 'other' } } });
  readWrite = await mintToken(org.apiKey, 'ada');
  readOnly = await mintToken(org.apiKey, 'ada', ['user:attributes:read']);
  writeOnly = await mintToken(org.apiKey, 'ada', ['user:attributes:write']);
});

describe('me', () => {
  it('shows READ_ONLY and READ_WRITE buckets only', async () => {
    for (const token of [readWrite, readOnly, writeOnly]) {
      const data = expectData(await gql<{ me: { id: string; attributes: unknown } }>(meDoc, {}, { auth: token }));
      expect(data.me).toEqual({
        id: 'ada',
        attributes: { custom_rw: {}, end_user_read_only: { plan: 'pro' }, end_user_read_write: { theme: 'dark' } },
      });
    }
  });

  it('reads a visible bucket by name, and answers FORBIDDEN for a NO_ACCESS bucket (built-in or custom)', async () => {
    const data = expectData(
      await gql<{ me: { bucket: unknown } }>('{ me { bucket(name: "end_user_read_only") } }', {}, { auth: readOnly }),
    );
    expect(data.me.bucket).toEqual({ plan: 'pro' });
    for (const name of ['end_user_no_access', 'custom_hidden']) {
      const response = await gql(
        'query B($name: String!) { me { bucket(name: $name) } }',
        { name },
        { auth: readOnly },
      );
      expectError(response, 'FORBIDDEN');
      expect(JSON.stringify(response)).not.toContain('high');
      const listed = await gql(
        'query A($b: [String!]) { me { attributes(buckets: $b) } }',
        { b: [name] },
        { auth: readOnly },
      );
      expectError(listed, 'FORBIDDEN');
    }
    expectError(await gql('{ me { bucket(name: "nope") } }', {}, { auth: readOnly }), 'NOT_FOUND');
  });

  it('needs a person token', async () => {
    expectError(await gql(meDoc, {}, { auth: org.apiKey }), 'FORBIDDEN');
  });

  it('still shows every bucket to the org API key', async () => {
    const data = expectData(
      await gql<{ person: { attributes: Record<string, unknown> } }>(
        '{ person(id: "ada") { attributes } }',
        {},
        { auth: org.apiKey },
      ),
    );
    expect(Object.keys(data.person.attributes).sort()).toEqual([
      'custom_hidden',
      'custom_rw',
      'end_user_no_access',
      'end_user_read_only',
      'end_user_read_write',
    ]);
  });
});

describe('updateMyAttributes', () => {
  it('merges into the caller’s end_user_read_write bucket and returns it', async () => {
    const data = expectData(
      await gql<{ updateMyAttributes: { attributes: unknown } }>(
        updateMyDoc,
        { input: { attributes: { referred: 'false', tos_accepted: 'true' } } },
        { auth: readWrite },
      ),
    );
    expect(data.updateMyAttributes.attributes).toEqual({ theme: 'dark', referred: 'false', tos_accepted: 'true' });
    const also = expectData(
      await gql<{ updateMyAttributes: { attributes: unknown } }>(
        updateMyDoc,
        { input: { attributes: { theme: null } } },
        { auth: writeOnly },
      ),
    );
    expect(also.updateMyAttributes.attributes).toEqual({ theme: null, referred: 'false', tos_accepted: 'true' });
    // Nothing else moved: the other buckets, bob, and the other organization's "ada".
    const rows = await db.personAttribute.findMany({
      where: { orgId: org.orgId, personId: 'ada' },
      orderBy: { bucket: 'asc' },
    });
    expect(rows.map((row) => row.bucket).sort()).toEqual([
      'custom_hidden',
      'end_user_no_access',
      'end_user_read_only',
      'end_user_read_write',
      'end_user_read_write',
      'end_user_read_write',
    ]);
    const bob = expectData(
      await gql<{ person: { bucket: unknown } }>(
        '{ person(id: "bob") { bucket(name: "end_user_read_write") } }',
        {},
        { auth: org.apiKey },
      ),
    );
    expect(bob.person.bucket).toEqual({ theme: 'light' });
    const otherAda = expectData(
      await gql<{ person: { bucket: unknown } }>(
        '{ person(id: "ada") { bucket(name: "end_user_read_write") } }',
        {},
        { auth: other.apiKey },
      ),
    );
    expect(otherAda.person.bucket).toEqual({ theme: 'other' });
  });

  it('changes the person’s eTag', async () => {
    const before = await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id: 'ada' } } });
    expectData(await gql(updateMyDoc, { input: { attributes: { x: 1 } } }, { auth: readWrite }));
    const after = await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id: 'ada' } } });
    expect(after.eTag).not.toBe(before.eTag);
  });

  it('answers FORBIDDEN without user:attributes:write and to an org API key, writing nothing', async () => {
    expectError(await gql(updateMyDoc, { input: { attributes: { sneaky: 1 } } }, { auth: readOnly }), 'FORBIDDEN');
    expectError(await gql(updateMyDoc, { input: { attributes: { sneaky: 1 } } }, { auth: org.apiKey }), 'FORBIDDEN');
    expect(await db.personAttribute.count({ where: { name: 'sneaky' } })).toBe(0);
  });

  it('is refused (401) once the person is deactivated or deleted', async () => {
    await createPerson(org.apiKey, { id: 'temp' });
    const token = await mintToken(org.apiKey, 'temp');
    expectData(await gql(patchPersonDoc, { input: { personId: 'temp', active: false } }, { auth: org.apiKey }));
    expect((await gql(updateMyDoc, { input: { attributes: { a: 1 } } }, { auth: token })).status).toBe(401);
    expectData(await gql(patchPersonDoc, { input: { personId: 'temp', active: true } }, { auth: org.apiKey }));
    expectData(await gql(updateMyDoc, { input: { attributes: { a: 1 } } }, { auth: token }));
    expectData(await gql(deletePersonDoc, { input: { personId: 'temp' } }, { auth: org.apiKey }));
    const response = await gql(updateMyDoc, { input: { attributes: { a: 1 } } }, { auth: token });
    expect(response.status).toBe(401);
    expectError(response, 'UNAUTHENTICATED');
  });
});

describe('a person token and the admin operations', () => {
  it('gets FORBIDDEN for every admin operation of section 5, and nothing changes', async () => {
    const attempts: [string, Record<string, unknown>][] = [
      [createPersonDoc, { input: { id: 'mallory' } }],
      [deletePersonDoc, { input: { personId: 'bob' } }],
      [patchPersonDoc, { input: { personId: 'bob', active: false } }],
      [setGroupsDoc, { input: { personId: 'ada', groups: ['admins'] } }],
      [createRoleDoc, { input: { name: 'boss' } }],
      [createBucketDoc, { input: { name: 'mine', endUserPermissions: 'READ_WRITE' } }],
      [mergeDoc, { input: { personId: 'ada', bucket: 'end_user_no_access', attributes: { risk: 'low' } } }],
      [replaceDoc, { input: { personId: 'ada', bucket: 'end_user_read_only', attributes: { plan: 'free' } } }],
      [deleteAttributesDoc, { input: { personId: 'ada', bucket: 'end_user_read_only', names: ['plan'] } }],
      ['mutation { mintPersonToken(input: { personId: "bob", scopes: ["user:attributes:write"] }) { token } }', {}],
      ['{ person(id: "bob") { id } }', {}],
      ['{ persons { totalCount } }', {}],
      ['{ roles { name } }', {}],
      ['{ attributeBuckets { name } }', {}],
    ];
    for (const [doc, variables] of attempts) {
      const response = await gql(doc, variables, { auth: readWrite });
      expectError(response, 'FORBIDDEN');
    }
    expect(await db.person.count({ where: { orgId: org.orgId, id: { in: ['mallory'] } } })).toBe(0);
    expect(await db.role.count({ where: { orgId: org.orgId } })).toBe(0);
    expect(await db.attributeBucket.count({ where: { orgId: org.orgId, name: 'mine' } })).toBe(0);
    const ada = await db.personAttribute.findMany({
      where: { orgId: org.orgId, personId: 'ada', bucket: { not: 'end_user_read_write' } },
    });
    expect(Object.fromEntries(ada.map((row) => [row.bucket, JSON.parse(row.value)]))).toEqual({
      custom_hidden: 'x',
      end_user_no_access: 'high',
      end_user_read_only: 'pro',
    });
    expect((await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id: 'bob' } } })).active).toBe(
      true,
    );
  });
});
