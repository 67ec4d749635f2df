import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { statementCounter } from '../src/db/statement-counter.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  createBucketDoc,
  createPerson,
  createPersonDoc,
  createRoleDoc,
  deletePersonDoc,
  issuePaths,
  mergeDoc,
  mintToken,
  type PersonJson,
  patchPersonDoc,
  readPerson,
  setGroupsDoc,
} from './helpers/persons.ts';

let org: { orgId: string; apiKey: string };

beforeAll(async () => {
  org = await newOrg('crud');
  for (const name of ['admin', 'editor', 'viewer'])
    expectData(await gql(createRoleDoc, { input: { name } }, { auth: org.apiKey }));
});

describe('createPerson', () => {
  it('stores attributes of any number of buckets with the same number of statements', async () => {
    const create = (id: string, attributes: Record<string, Record<string, unknown>>) =>
      statementCounter.measure(() =>
        gql(
          'mutation C($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }',
          {
            input: { id, attributes },
          },
          { auth: org.apiKey },
        ),
      );
    const one = await create('one-bucket', { end_user_read_write: { a: 1 } });
    const three = await create('three-buckets', {
      end_user_read_write: { a: 1, b: 2 },
      end_user_read_only: { c: 3 },
      end_user_no_access: { d: [4] },
    });
    expect(one.result.errors).toBeUndefined();
    expect(three.result.errors).toBeUndefined();
    expect(three.count).toBe(one.count);
    expect(await db.personAttribute.count({ where: { orgId: org.orgId, personId: 'three-buckets' } })).toBe(4);
  });

  it('applies the defaults and generates a UUID v4 id', async () => {
    const person = await createPerson(org.apiKey);
    expect(person.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(person).toMatchObject({
      active: true,
      personType: 'REGULAR',
      region: 'US_IOWA',
      handles: [],
      groups: [],
      roles: [],
    });
    expect((person as PersonJson).attributes).toEqual({
      end_user_no_access: {},
      end_user_read_only: {},
      end_user_read_write: {},
    });
  });

  it('stores handles, groups (merged), roles (bare and qualified) and bucketed attributes', async () => {
    const person = await createPerson(org.apiKey, {
      id: 'grace',
      active: false,
      personType: 'ANONYMOUS',
      region: 'EUROPE_BELGIUM',
      handles: [
        { type: 'EMAIL_ADDRESS', value: 'Grace@Example.com' },
        { type: 'PHONE_NUMBER', value: '+14155550100' },
        { type: 'USERNAME', value: 'grace.h' },
      ],
      groups: ['eng-team', 'eng-team', 'ops.1'],
      roles: ['admin', `${org.orgId}/editor`, 'admin'],
      attributes: { end_user_read_write: { theme: 'dark' }, end_user_no_access: { score: 7 } },
    });
    expect(person).toMatchObject({ id: 'grace', active: false, personType: 'ANONYMOUS', region: 'EUROPE_BELGIUM' });
    expect(person.handles).toEqual([
      { type: 'EMAIL_ADDRESS', value: 'Grace@Example.com' },
      { type: 'PHONE_NUMBER', value: '+14155550100' },
      { type: 'USERNAME', value: 'grace.h' },
    ]);
    expect(person.groups).toEqual(['eng-team', 'ops.1']);
    expect(person.roles).toEqual([`${org.orgId}/admin`, `${org.orgId}/editor`]);
    expect(person.attributes).toEqual({
      end_user_no_access: { score: 7 },
      end_user_read_only: {},
      end_user_read_write: { theme: 'dark' },
    });
  });

  it('answers CONFLICT for a taken id and for a taken handle (emails case-insensitively), creating nothing', async () => {
    await createPerson(org.apiKey, { id: 'dup', handles: [{ type: 'EMAIL_ADDRESS', value: 'dup@example.com' }] });
    expectError(await gql(createPersonDoc, { input: { id: 'dup' } }, { auth: org.apiKey }), 'CONFLICT');
    const response = await gql(
      createPersonDoc,
      { input: { id: 'dup2', groups: ['g1'], handles: [{ type: 'EMAIL_ADDRESS', value: 'DUP@example.COM' }] } },
      { auth: org.apiKey },
    );
    expectError(response, 'CONFLICT');
    expect(await db.person.count({ where: { orgId: org.orgId, id: 'dup2' } })).toBe(0);
    expect(await db.personGroup.count({ where: { orgId: org.orgId, personId: 'dup2' } })).toBe(0);
    // The same value as another handle type is no conflict.
    await createPerson(org.apiKey, { id: 'dup3', handles: [{ type: 'USERNAME', value: 'dup' }] });
  });

  it('refuses invalid handles, group names and unknown roles, naming every offending path at once', async () => {
    const response = await gql(
      createPersonDoc,
      {
        input: {
          id: 'bad',
          handles: [
            { type: 'EMAIL_ADDRESS', value: 'not an email' },
            { type: 'PHONE_NUMBER', value: '4155550100' },
            { type: 'USERNAME', value: 'has space' },
            { type: 'USERNAME', value: 'x'.repeat(65) },
          ],
          groups: ['a', '-bad', 'ok-group', 'bad-'],
          roles: ['no/such/thing?'],
        },
      },
      { auth: org.apiKey },
    );
    expectError(response, 'BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual([
      ['input', 'handles', '0', 'value'],
      ['input', 'handles', '1', 'value'],
      ['input', 'handles', '2', 'value'],
      ['input', 'handles', '3', 'value'],
      ['input', 'groups', '0'],
      ['input', 'groups', '1'],
      ['input', 'groups', '3'],
      ['input', 'roles', '0'],
    ]);
    const missing = await gql(
      createPersonDoc,
      { input: { id: 'bad', roles: ['admin', 'ghost'] } },
      { auth: org.apiKey },
    );
    expectError(missing, 'BAD_USER_INPUT');
    expect(issuePaths(missing)).toEqual([['input', 'roles', '1']]);
    expect(await db.person.count({ where: { orgId: org.orgId, id: 'bad' } })).toBe(0);
  });

  it('accepts handle values at their limits and refuses one over', async () => {
    const local = 'a'.repeat(64);
    const email320 = `${local}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(320 - 64 - 1 - 63 * 3 - 3)}`;
    expect(email320).toHaveLength(320);
    await createPerson(org.apiKey, {
      handles: [
        { type: 'EMAIL_ADDRESS', value: email320 },
        { type: 'EMAIL_ADDRESS', value: '"quoted local"@[127.0.0.1]' },
        { type: 'PHONE_NUMBER', value: '+123456789012345' },
        { type: 'USERNAME', value: 'u'.repeat(64) },
      ],
    });
    const response = await gql(
      createPersonDoc,
      {
        input: {
          handles: [
            { type: 'EMAIL_ADDRESS', value: `x${email320}` },
            { type: 'PHONE_NUMBER', value: '+1234567890123456' },
            { type: 'USERNAME', value: '' },
          ],
        },
      },
      { auth: org.apiKey },
    );
    expect(issuePaths(response)).toEqual([
      ['input', 'handles', '0', 'value'],
      ['input', 'handles', '1', 'value'],
      ['input', 'handles', '2', 'value'],
    ]);
  });

  it('takes person ids of 92 characters and refuses 93, and the uuid character rules', async () => {
    await createPerson(org.apiKey, { id: 'i'.repeat(92) });
    for (const id of ['i'.repeat(93), '', 'a,b', 'a/b', 'a:b', 'mychannel', 'tab\there']) {
      const response = await gql(createPersonDoc, { input: { id } }, { auth: org.apiKey });
      expectError(response, 'BAD_USER_INPUT');
      expect(issuePaths(response)).toEqual([['input', 'id']]);
    }
  });

  it('accepts group names of 2 and 100 characters, refuses 101', async () => {
    await createPerson(org.apiKey, { groups: ['ab', `a${'b'.repeat(98)}c`] });
    const response = await gql(createPersonDoc, { input: { groups: [`a${'b'.repeat(99)}c`] } }, { auth: org.apiKey });
    expect(issuePaths(response)).toEqual([['input', 'groups', '0']]);
  });
});

describe('patchPerson', () => {
  it('changes active and replaces roles; omitted fields stay unchanged', async () => {
    const person = await createPerson(org.apiKey, { id: 'pat', roles: ['admin', 'viewer'] });
    const roles = expectData(
      await gql<{ patchPerson: { person: PersonJson } }>(
        patchPersonDoc,
        { input: { personId: 'pat', roles: ['editor'] } },
        { auth: org.apiKey },
      ),
    ).patchPerson.person;
    expect(roles.roles).toEqual([`${org.orgId}/editor`]);
    expect(roles.active).toBe(true);
    expect(roles.eTag).not.toBe(person.eTag);

    const inactive = expectData(
      await gql<{ patchPerson: { person: PersonJson } }>(
        patchPersonDoc,
        { input: { personId: 'pat', active: false } },
        { auth: org.apiKey },
      ),
    ).patchPerson.person;
    expect(inactive).toMatchObject({ active: false, roles: [`${org.orgId}/editor`] });

    const cleared = expectData(
      await gql<{ patchPerson: { person: PersonJson } }>(
        patchPersonDoc,
        { input: { personId: 'pat', roles: [] } },
        { auth: org.apiKey },
      ),
    ).patchPerson.person;
    expect(cleared).toMatchObject({ active: false, roles: [] });
  });

  it('refuses an unknown role with BAD_USER_INPUT naming it, and changes nothing', async () => {
    const person = await createPerson(org.apiKey, { id: 'pat2', roles: ['admin'] });
    const response = await gql(
      patchPersonDoc,
      { input: { personId: 'pat2', active: false, roles: ['viewer', 'nope', 'other-org/admin'] } },
      { auth: org.apiKey },
    );
    expectError(response, 'BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual([
      ['input', 'roles', '1'],
      ['input', 'roles', '2'],
    ]);
    const after = await readPerson(org.apiKey, 'pat2');
    expect(after).toMatchObject({ active: true, roles: [`${org.orgId}/admin`], eTag: person.eTag });
  });

  it('answers PRECONDITION_FAILED for a stale ifMatch and applies a current one', async () => {
    const person = await createPerson(org.apiKey, { id: 'pat3' });
    const ok = expectData(
      await gql<{ patchPerson: { person: PersonJson } }>(
        patchPersonDoc,
        { input: { personId: 'pat3', active: false, ifMatch: person.eTag } },
        { auth: org.apiKey },
      ),
    ).patchPerson.person;
    expectError(
      await gql(
        patchPersonDoc,
        { input: { personId: 'pat3', active: true, ifMatch: person.eTag } },
        { auth: org.apiKey },
      ),
      'PRECONDITION_FAILED',
    );
    expect(await readPerson(org.apiKey, 'pat3')).toMatchObject({ active: false, eTag: ok.eTag });
  });

  it('lets exactly one of ten concurrent writers holding the same eTag win', async () => {
    const person = await createPerson(org.apiKey, { id: 'race' });
    const roleSets = Array.from({ length: 10 }, (_, i) => [['admin'], ['viewer'], ['editor']][i % 3] as string[]);
    const responses = await Promise.all(
      roleSets.map((roles, i) =>
        gql(
          patchPersonDoc,
          { input: { personId: 'race', roles, active: i % 2 === 0, ifMatch: person.eTag } },
          { auth: org.apiKey },
        ),
      ),
    );
    const codes = responses.map((response) => response.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['OK', ...Array(9).fill('PRECONDITION_FAILED')]);
    const winner = responses.find((response) => !response.errors) as unknown as {
      data: { patchPerson: { person: PersonJson } };
    };
    const stored = await readPerson(org.apiKey, 'race');
    expect(stored?.roles).toEqual(winner.data.patchPerson.person.roles);
    expect(stored?.active).toBe(winner.data.patchPerson.person.active);
  });

  it('answers NOT_FOUND for an unknown person', async () => {
    expectError(
      await gql(patchPersonDoc, { input: { personId: 'ghost', active: false } }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
  });
});

describe('setPersonGroups', () => {
  it('replaces the groups, merging duplicates, and changes the eTag', async () => {
    const person = await createPerson(org.apiKey, { id: 'grp', groups: ['old-one'] });
    const data = expectData(
      await gql<{ setPersonGroups: { person: { groups: string[]; eTag: string } } }>(
        setGroupsDoc,
        { input: { personId: 'grp', groups: ['b-team', 'a-team', 'b-team'] } },
        { auth: org.apiKey },
      ),
    );
    expect(data.setPersonGroups.person.groups).toEqual(['a-team', 'b-team']);
    expect(data.setPersonGroups.person.eTag).not.toBe(person.eTag);
    const bad = await gql(setGroupsDoc, { input: { personId: 'grp', groups: ['ok-1', 'x'] } }, { auth: org.apiKey });
    expect(issuePaths(bad)).toEqual([['input', 'groups', '1']]);
    expect((await readPerson(org.apiKey, 'grp'))?.groups).toEqual(['a-team', 'b-team']);
    expectError(
      await gql(setGroupsDoc, { input: { personId: 'ghost', groups: [] } }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
  });
});

describe('deletePerson', () => {
  it('deletes the person with everything stored for it; NOT_FOUND afterwards', async () => {
    await createPerson(org.apiKey, {
      id: 'gone',
      groups: ['g1'],
      roles: ['admin'],
      handles: [{ type: 'USERNAME', value: 'gone' }],
      attributes: { end_user_read_write: { a: 1 } },
    });
    const token = await mintToken(org.apiKey, 'gone');
    const data = expectData(
      await gql<{ deletePerson: { deletedPersonId: string } }>(
        deletePersonDoc,
        { input: { personId: 'gone' } },
        { auth: org.apiKey },
      ),
    );
    expect(data.deletePerson.deletedPersonId).toBe('gone');
    expect(await readPerson(org.apiKey, 'gone')).toBeNull();
    for (const count of [
      db.personAttribute.count({ where: { orgId: org.orgId, personId: 'gone' } }),
      db.personGroup.count({ where: { orgId: org.orgId, personId: 'gone' } }),
      db.personRole.count({ where: { orgId: org.orgId, personId: 'gone' } }),
      db.personHandle.count({ where: { orgId: org.orgId, personId: 'gone' } }),
    ]) {
      expect(await count).toBe(0);
    }
    expect((await gql('{ me { id } }', {}, { auth: token })).status).toBe(401);
    expectError(await gql(deletePersonDoc, { input: { personId: 'gone' } }, { auth: org.apiKey }), 'NOT_FOUND');
    // The handle is free again.
    await createPerson(org.apiKey, { handles: [{ type: 'USERNAME', value: 'gone' }] });
  });
});

describe('roles', () => {
  it('creates roles with qualified names, lists them by name, and refuses a taken name', async () => {
    const data = expectData(
      await gql<{ createRole: { role: { id: string; name: string } } }>(
        createRoleDoc,
        { input: { name: 'auditor' } },
        { auth: org.apiKey },
      ),
    );
    expect(data.createRole.role.name).toBe(`${org.orgId}/auditor`);
    expect(data.createRole.role.id).toBeTruthy();
    expectError(await gql(createRoleDoc, { input: { name: 'auditor' } }, { auth: org.apiKey }), 'CONFLICT');
    const list = expectData(
      await gql<{ roles: { name: string }[] }>('{ roles { id name } }', {}, { auth: org.apiKey }),
    );
    expect(list.roles.map((role) => role.name)).toEqual(
      ['admin', 'auditor', 'editor', 'viewer'].map((name) => `${org.orgId}/${name}`),
    );
  });

  it('accepts role names of 1 and 100 characters and refuses 101, a slash or a bad first character', async () => {
    for (const name of ['r', `R${'x'.repeat(98)}_`])
      expectData(await gql(createRoleDoc, { input: { name } }, { auth: org.apiKey }));
    for (const name of [`R${'x'.repeat(100)}`, 'a/b', '_lead', '', 'spa ce']) {
      const response = await gql(createRoleDoc, { input: { name } }, { auth: org.apiKey });
      expectError(response, 'BAD_USER_INPUT');
      expect(issuePaths(response)).toEqual([['input', 'name']]);
    }
  });
});

describe('attribute buckets', () => {
  it('lists the three built-in buckets, creates one, and refuses a taken name', async () => {
    const fresh = await newOrg('buckets');
    const builtIn = expectData(
      await gql<{ attributeBuckets: unknown[] }>(
        '{ attributeBuckets { name endUserPermissions builtIn } }',
        {},
        { auth: fresh.apiKey },
      ),
    );
    expect(builtIn.attributeBuckets).toEqual([
      { name: 'end_user_no_access', endUserPermissions: 'NO_ACCESS', builtIn: true },
      { name: 'end_user_read_only', endUserPermissions: 'READ_ONLY', builtIn: true },
      { name: 'end_user_read_write', endUserPermissions: 'READ_WRITE', builtIn: true },
    ]);
    const created = expectData(
      await gql<{ createAttributeBucket: { bucket: unknown } }>(
        createBucketDoc,
        { input: { name: 'billing', endUserPermissions: 'READ_ONLY' } },
        { auth: fresh.apiKey },
      ),
    );
    expect(created.createAttributeBucket.bucket).toEqual({
      name: 'billing',
      endUserPermissions: 'READ_ONLY',
      builtIn: false,
    });
    for (const name of ['billing', 'end_user_read_write']) {
      expectError(
        await gql(createBucketDoc, { input: { name, endUserPermissions: 'NO_ACCESS' } }, { auth: fresh.apiKey }),
        'CONFLICT',
      );
    }
    const person = await createPerson(fresh.apiKey, { attributes: { billing: { plan: 'pro' } } });
    expect(person.attributes?.billing).toEqual({ plan: 'pro' });
  });

  it('accepts bucket names of 1 and 64 characters of [a-z0-9_-], refuses 65 and other characters', async () => {
    for (const name of ['b', 'z'.repeat(64), 'a-b_9']) {
      expectData(
        await gql(createBucketDoc, { input: { name, endUserPermissions: 'NO_ACCESS' } }, { auth: org.apiKey }),
      );
    }
    for (const name of ['z'.repeat(65), '', 'Upper', 'dot.ted', 'é']) {
      const response = await gql(
        createBucketDoc,
        { input: { name, endUserPermissions: 'NO_ACCESS' } },
        { auth: org.apiKey },
      );
      expectError(response, 'BAD_USER_INPUT');
      expect(issuePaths(response)).toEqual([['input', 'name']]);
    }
  });

  it('answers NOT_FOUND for attributes in an unknown bucket, on create and on merge', async () => {
    expectError(
      await gql(
        createPersonDoc,
        { input: { id: 'nb', attributes: { no_such_bucket: { a: 1 } } } },
        { auth: org.apiKey },
      ),
      'NOT_FOUND',
    );
    expect(await db.person.count({ where: { orgId: org.orgId, id: 'nb' } })).toBe(0);
    await createPerson(org.apiKey, { id: 'nb' });
    expectError(
      await gql(
        mergeDoc,
        { input: { personId: 'nb', bucket: 'no_such_bucket', attributes: { a: 1 } } },
        { auth: org.apiKey },
      ),
      'NOT_FOUND',
    );
  });
});
