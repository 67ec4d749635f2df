import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxGroupsPerPerson, maxHandlesPerPerson, maxNamesToDelete, maxRoles } from '../src/domain/persons/rules.ts';
import { schema } from '../src/schema/index.ts';
import { longerStringBounds, maxStringChars } from '../src/schema/string-bounds.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  createPerson,
  createPersonDoc,
  createRoleDoc,
  deleteAttributesDoc,
  issuePaths,
  merge,
  patchPersonDoc,
  readPerson,
  setGroupsDoc,
} from './helpers/persons.ts';
import { call, startRestServer } from './helpers/rest.ts';
import type { ServerProcess } from './helpers/server-process.ts';

// CONTRACT §8 "string arguments" and "list inputs": each bound at its edge, GraphQL and REST alike; a refused
// request stores nothing.

let org: { orgId: string; apiKey: string };
let server: ServerProcess;
beforeAll(async () => {
  org = await newOrg('input-limits');
  expectData(await gql(createRoleDoc, { input: { name: 'admin' } }, { auth: org.apiKey }));
  server = await startRestServer();
});
afterAll(async () => {
  await server?.stop();
});

const slashIdHeaders = () => ({
  'SlashID-OrgID': org.orgId,
  'SlashID-API-Key': org.apiKey,
  'Content-Type': 'application/json',
});
const historyDoc = 'query H($id: ID!, $name: String) { person(id: $id) { history(name: $name) { nodes { cursor } } } }';

describe('String/ID arguments: at most 255 characters', () => {
  it('255 characters pass, 256 are BAD_USER_INPUT naming the argument (variables and inline literals)', async () => {
    const person = await createPerson(org.apiKey);
    const at = expectData(
      await gql(historyDoc, { id: person.id, name: 'n'.repeat(maxStringChars) }, { auth: org.apiKey }),
    );
    expect(at).toEqual({ person: { history: { nodes: [] } } });

    const over = await gql(historyDoc, { id: person.id, name: 'n'.repeat(maxStringChars + 1) }, { auth: org.apiKey });
    expectError(over, 'BAD_USER_INPUT');
    expect(issuePaths(over)).toEqual([['name']]);

    const inline = await gql(
      `{ person(id: "${person.id}") { history(bucket: "${'b'.repeat(maxStringChars + 1)}") { nodes { cursor } } } }`,
      {},
      { auth: org.apiKey },
    );
    expectError(inline, 'BAD_USER_INPUT');
    expect(issuePaths(inline)).toEqual([['bucket']]);
  });

  it('counts code points: 255 emoji (510 UTF-16 units) pass, 256 do not', async () => {
    const person = await createPerson(org.apiKey);
    expectData(await gql(historyDoc, { id: person.id, name: '🦊'.repeat(maxStringChars) }, { auth: org.apiKey }));
    const over = await gql(historyDoc, { id: person.id, name: '🦊'.repeat(maxStringChars + 1) }, { auth: org.apiKey });
    expectError(over, 'BAD_USER_INPUT');
  });

  it('in a mutation input: refused before anything is written', async () => {
    const person = await createPerson(org.apiKey);
    // ifMatch has no bound of its own: at 255 it is just a wrong eTag, at 256 bad input.
    const at = await gql(
      patchPersonDoc,
      { input: { personId: person.id, active: false, ifMatch: 'e'.repeat(maxStringChars) } },
      { auth: org.apiKey },
    );
    expectError(at, 'PRECONDITION_FAILED');
    const over = await gql(
      patchPersonDoc,
      { input: { personId: person.id, active: false, ifMatch: 'e'.repeat(maxStringChars + 1) } },
      { auth: org.apiKey },
    );
    expectError(over, 'BAD_USER_INPUT');
    expect(issuePaths(over)).toEqual([['input', 'ifMatch']]);
    expect((await readPerson(org.apiKey, person.id))?.active).toBe(true);
  });

  it('fields with a longer bound of their own keep it (uuid metadata name: 2,048; emails: 320)', async () => {
    const setName = `mutation S($input: SetUuidMetadataInput!) { setUuidMetadata(input: $input) { uuidMetadata { name } } }`;
    const name = 'N'.repeat(2048);
    const set = expectData(await gql(setName, { input: { uuid: 'long-name', name } }, { auth: org.apiKey }));
    expect(set).toEqual({ setUuidMetadata: { uuidMetadata: { name } } });
    const over = await gql(setName, { input: { uuid: 'long-name-2', name: `${name}N` } }, { auth: org.apiKey });
    expectError(over, 'BAD_USER_INPUT');
    expect(issuePaths(over)).toEqual([['input', 'name']]);

    const email = `a@${['b', 'c', 'd', 'e'].map((c) => c.repeat(63)).join('.')}.com`;
    expect(email.length).toBeGreaterThan(maxStringChars);
    const withEmail = await createPerson(org.apiKey, { handles: [{ type: 'EMAIL_ADDRESS', value: email }] });
    expect(withEmail.handles).toEqual([{ type: 'EMAIL_ADDRESS', value: email }]);
  });

  it('every longer bound names an existing input field', () => {
    for (const key of Object.keys(longerStringBounds)) {
      const [type, field] = key.split('.') as [string, string];
      const found = schema.getType(type) as { getFields?: () => Record<string, unknown> } | undefined;
      expect(found?.getFields?.()[field], key).toBeDefined();
    }
  });

  it('REST: a path parameter or query parameter item over 255 is refused in the vendor shape', async () => {
    const longId = 'p'.repeat(maxStringChars + 1);
    const path = await call(server.url, 'GET', `/persons/${longId}/attributes/end_user_read_write`, {
      headers: slashIdHeaders(),
    });
    expect(path.status).toBe(400);
    expect((path.body as { errors: { message: string }[] }).errors[0]?.message).toMatch(/^personId: .*255/);

    const person = await createPerson(org.apiKey);
    const items = `a,${'x'.repeat(maxStringChars + 1)}`;
    const query = await call(
      server.url,
      'DELETE',
      `/persons/${person.id}/attributes/end_user_read_write?attributes=${items}`,
      { headers: slashIdHeaders() },
    );
    expect(query.status).toBe(400);
    expect((query.body as { errors: { message: string }[] }).errors[0]?.message).toMatch(/^attributes\.1: .*255/);

    const pubnub = await call(
      server.url,
      'GET',
      `/v2/objects/${org.orgId}/uuids/${person.id}?auth=${org.apiKey}&include=${'c'.repeat(maxStringChars + 1)}`,
    );
    expect(pubnub.status).toBe(400);
    expect(JSON.stringify(pubnub.body)).toContain('255');
  });

  it('REST: a JSON body key over 255 is refused, and nothing is stored', async () => {
    // SlashID's person patch ignores keys other than active and roles: the bound still applies to them.
    const person = await createPerson(org.apiKey);
    const response = await call(server.url, 'PATCH', `/persons/${person.id}`, {
      headers: slashIdHeaders(),
      body: { active: false, ['k'.repeat(maxStringChars + 1)]: 1 },
    });
    expect(response.status).toBe(400);
    expect((response.body as { errors: { message: string }[] }).errors[0]?.message).toMatch(/key .*255/);
    expect((await readPerson(org.apiKey, person.id))?.active).toBe(true);
    const at = await call(server.url, 'PATCH', `/persons/${person.id}`, {
      headers: slashIdHeaders(),
      body: { active: false, ['k'.repeat(maxStringChars)]: 1 },
    });
    expect(at.status).toBe(200);
  });
});

describe('list inputs', () => {
  const groups = (n: number) => Array.from({ length: n }, (_, i) => `group-${i}`);
  const handles = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'USERNAME', value: `user-${org.orgId.slice(0, 8)}-${i}` }));
  const personCount = async () =>
    expectData(await gql<{ persons: { totalCount: number } }>('{ persons { totalCount } }', {}, { auth: org.apiKey }))
      .persons.totalCount;

  it(`createPerson: ${maxGroupsPerPerson} groups and ${maxHandlesPerPerson} handles pass, one more of either is refused`, async () => {
    const made = await createPerson(org.apiKey, {
      groups: groups(maxGroupsPerPerson),
      handles: handles(maxHandlesPerPerson),
    });
    expect(made.groups).toHaveLength(maxGroupsPerPerson);
    expect(made.handles).toHaveLength(maxHandlesPerPerson);

    const before = await personCount();
    const tooManyGroups = await gql(
      createPersonDoc,
      { input: { groups: groups(maxGroupsPerPerson + 1) } },
      { auth: org.apiKey },
    );
    expectError(tooManyGroups, 'BAD_USER_INPUT');
    expect(issuePaths(tooManyGroups)).toEqual([['input', 'groups']]);
    const moreHandles = handles(maxHandlesPerPerson + 1).map((h) => ({ ...h, value: `${h.value}-b` }));
    const tooManyHandles = await gql(createPersonDoc, { input: { handles: moreHandles } }, { auth: org.apiKey });
    expectError(tooManyHandles, 'BAD_USER_INPUT');
    expect(issuePaths(tooManyHandles)).toEqual([['input', 'handles']]);
    expect(await personCount()).toBe(before);
  });

  it(`setPersonGroups: ${maxGroupsPerPerson} pass, ${maxGroupsPerPerson + 1} are refused and the groups stay`, async () => {
    const person = await createPerson(org.apiKey, { groups: ['keep-me'] });
    const at = await gql(
      setGroupsDoc,
      { input: { personId: person.id, groups: groups(maxGroupsPerPerson) } },
      {
        auth: org.apiKey,
      },
    );
    expectData(at);
    const over = await gql(
      setGroupsDoc,
      { input: { personId: person.id, groups: ['only-this', ...groups(maxGroupsPerPerson)] } },
      { auth: org.apiKey },
    );
    expectError(over, 'BAD_USER_INPUT');
    expect(issuePaths(over)).toEqual([['input', 'groups']]);
    expect((await readPerson(org.apiKey, person.id))?.groups).toHaveLength(maxGroupsPerPerson);
  });

  it(`roles: ${maxRoles} pass, ${maxRoles + 1} are refused (createPerson, patchPerson, SlashID PATCH /persons)`, async () => {
    const roles = (n: number) => Array.from({ length: n }, () => 'admin');
    const person = await createPerson(org.apiKey, { roles: roles(maxRoles) });
    expect(person.roles).toEqual([`${org.orgId}/admin`]);
    const created = await gql(createPersonDoc, { input: { roles: roles(maxRoles + 1) } }, { auth: org.apiKey });
    expectError(created, 'BAD_USER_INPUT');
    expect(issuePaths(created)).toEqual([['input', 'roles']]);

    const patched = await gql(patchPersonDoc, { input: { personId: person.id, roles: [] } }, { auth: org.apiKey });
    expectData(patched);
    const over = await gql(
      patchPersonDoc,
      { input: { personId: person.id, roles: roles(maxRoles + 1) } },
      { auth: org.apiKey },
    );
    expectError(over, 'BAD_USER_INPUT');
    expect(issuePaths(over)).toEqual([['input', 'roles']]);

    const restAt = await call(server.url, 'PATCH', `/persons/${person.id}`, {
      headers: slashIdHeaders(),
      body: { roles: roles(maxRoles) },
    });
    expect(restAt.status).toBe(200);
    const restOver = await call(server.url, 'PATCH', `/persons/${person.id}`, {
      headers: slashIdHeaders(),
      body: { active: false, roles: roles(maxRoles + 1) },
    });
    expect(restOver.status).toBe(400);
    const after = await readPerson(org.apiKey, person.id);
    expect(after?.active).toBe(true);
    expect(after?.roles).toEqual([`${org.orgId}/admin`]);
  });

  it(`names to delete: ${maxNamesToDelete} pass, ${maxNamesToDelete + 1} are refused and nothing is deleted`, async () => {
    const person = await createPerson(org.apiKey);
    await merge(org.apiKey, person.id, 'end_user_read_write', { a: 1, b: 2 });
    const names = (n: number) => ['a', ...Array.from({ length: n - 1 }, (_, i) => `name-${i}`)];
    const input = (n: number) => ({ personId: person.id, bucket: 'end_user_read_write', names: names(n) });

    const over = await gql(deleteAttributesDoc, { input: input(maxNamesToDelete + 1) }, { auth: org.apiKey });
    expectError(over, 'BAD_USER_INPUT');
    expect(issuePaths(over)).toEqual([['input', 'names']]);
    const restOver = await call(
      server.url,
      'DELETE',
      `/persons/${person.id}/attributes/end_user_read_write?attributes=${names(maxNamesToDelete + 1).join(',')}`,
      { headers: slashIdHeaders() },
    );
    expect(restOver.status).toBe(400);
    const bucketNow = async () => (await readPerson(org.apiKey, person.id))?.attributes?.end_user_read_write;
    expect(await bucketNow()).toEqual({ a: 1, b: 2 });

    const restAt = await call(
      server.url,
      'DELETE',
      `/persons/${person.id}/attributes/end_user_read_write?attributes=${names(maxNamesToDelete).join(',')}`,
      { headers: slashIdHeaders() },
    );
    expect(restAt.status).toBe(204);
    await merge(org.apiKey, person.id, 'end_user_read_write', { a: 1 });
    expectData(await gql(deleteAttributesDoc, { input: input(maxNamesToDelete) }, { auth: org.apiKey }));
    expect(await bucketNow()).toEqual({ b: 2 });
  });
});
