import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/domain/organizations.ts';
import { newOrg } from './helpers/graphql.ts';
import { createPerson, mintToken } from './helpers/persons.ts';
import { call, type RestResponse, startRestServer } from './helpers/rest.ts';
import { httpGql, type ServerProcess } from './helpers/server-process.ts';
import {
  type AttributeJson,
  createAttribute,
  setGroupValues,
  setPersonGroups,
  type ValueJson,
  valuesQuery,
} from './helpers/user-attributes.ts';

// Looker API 4.0 over real HTTP with plain fetch, as its curl examples do:
// curl -X POST $BASE/api/4.0/login -d client_id=$ORG -d client_secret=$KEY
// curl -X PATCH $BASE/api/4.0/users/$USER/attribute_values/$ATTR -H "Authorization: Bearer $TOKEN" -d '{"value":"…"}'

let server: ServerProcess;
let org: { orgId: string; apiKey: string };
let other: { orgId: string; apiKey: string };
let token: string;
let locale: AttributeJson;
let secret: AttributeJson;
let age: AttributeJson;

const auth = (bearer = token) => ({ Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' });
const valuePath = (user: string, attribute: string) => `/api/4.0/users/${user}/attribute_values/${attribute}`;

function expectLookerError(response: RestResponse, status: number) {
  expect(response.status).toBe(status);
  const body = response.body as { message: string; documentation_url: string; errors?: unknown[] };
  expect(typeof body.message).toBe('string');
  expect(body.documentation_url).toMatch(/^https:\/\//);
  return body;
}

async function login(clientId: string, clientSecret: string) {
  return call(server.url, 'POST', '/api/4.0/login', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret }).toString(),
  });
}

beforeAll(async () => {
  org = await newOrg('looker');
  other = await newOrg('looker-other');
  server = await startRestServer();
  locale = await createAttribute(org.apiKey, { name: 'locale', label: 'Locale', type: 'STRING', defaultValue: 'en' });
  secret = await createAttribute(org.apiKey, { name: 'secret', label: 'Secret', type: 'STRING', valueIsHidden: true });
  age = await createAttribute(org.apiKey, { name: 'age', label: 'Age', type: 'NUMBER' });
  const logged = await login(org.orgId, org.apiKey);
  token = (logged.body as { access_token: string }).access_token;
});
afterAll(() => server?.stop());

describe('login', () => {
  it('exchanges client_id (org id) and client_secret (API key) for a bearer token', async () => {
    const response = await login(org.orgId, org.apiKey);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof (response.body as { access_token: string }).access_token).toBe('string');
  });

  it('404 for a wrong secret, another org’s id, or a person token; 400 without the fields', async () => {
    expectLookerError(await login(org.orgId, 'aq_wrong'), 404);
    expectLookerError(await login(other.orgId, org.apiKey), 404);
    const person = await createPerson(org.apiKey);
    expectLookerError(await login(org.orgId, await mintToken(org.apiKey, person.id)), 404);
    expectLookerError(await call(server.url, 'POST', '/api/4.0/login', { body: '' }), 400);
  });
});

describe('user attribute values', () => {
  it('PATCH sets the user’s value (200, snake_case); GraphQL reads the same; DELETE (204) falls back', async () => {
    const person = await createPerson(org.apiKey);
    const patched = await call(server.url, 'PATCH', valuePath(person.id, locale.id), {
      headers: auth(),
      body: { value: 'de' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({
      can: {},
      name: 'locale',
      label: 'Locale',
      rank: null,
      value: 'de',
      user_id: person.id,
      user_can_edit: false,
      value_is_hidden: false,
      user_attribute_id: locale.id,
      source: 'user',
      hidden_value_domain_whitelist: null,
    });
    const viaGraphql = await httpGql<{ userAttributeValues: ValueJson[] }>(
      server.url,
      valuesQuery,
      { userId: person.id, fields: ['locale'] },
      org.apiKey,
    );
    expect(viaGraphql.data?.userAttributeValues[0]).toMatchObject({ value: 'de', source: 'USER' });

    const deleted = await call(server.url, 'DELETE', valuePath(person.id, locale.id), { headers: auth() });
    expect(deleted).toMatchObject({ status: 204, body: null });
    const after = await call(
      server.url,
      'GET',
      `/api/4.0/users/${person.id}/attribute_values?fields=name,value,source`,
      {
        headers: auth(),
      },
    );
    expect(after.body).toEqual([{ name: 'locale', value: 'en', source: 'default' }]);
  });

  it('GET: fields selects properties, user_attribute_ids filters, all_values and include_unset as in Looker', async () => {
    const person = await createPerson(org.apiKey, { groups: ['staff'] });
    await setPersonGroups(org.apiKey, person.id, ['staff']);
    await setGroupValues(org.apiKey, locale.id, [{ group: 'staff', value: 'fr' }]);
    await call(server.url, 'PATCH', valuePath(person.id, secret.id), { headers: auth(), body: { value: 's3cret' } });
    const base = `/api/4.0/users/${person.id}/attribute_values`;
    const all = await call(server.url, 'GET', `${base}?fields=name,value,source,rank`, { headers: auth(org.apiKey) });
    expect(all.body).toEqual([
      { name: 'locale', value: 'fr', source: 'group', rank: 1 },
      { name: 'secret', value: null, source: 'user', rank: null },
    ]);
    const filtered = await call(
      server.url,
      'GET',
      `${base}?fields=name&user_attribute_ids=${locale.id},${age.id}&include_unset=true`,
      {
        headers: auth(),
      },
    );
    expect(filtered.body).toEqual([{ name: 'age' }, { name: 'locale' }]);
    const path = await call(
      server.url,
      'GET',
      `${base}?fields=source,value&user_attribute_ids=${locale.id}&all_values=true`,
      {
        headers: auth(),
      },
    );
    expect(path.body).toEqual([
      { source: 'group', value: 'fr' },
      { source: 'default', value: 'en' },
    ]);
    expectLookerError(await call(server.url, 'GET', `${base}?all_values=maybe`, { headers: auth() }), 422);
  });

  it('422 with errors[] for a value that breaks the type; 400 for bad JSON', async () => {
    const person = await createPerson(org.apiKey);
    const invalid = await call(server.url, 'PATCH', valuePath(person.id, age.id), {
      headers: auth(),
      body: { value: 'old' },
    });
    const body = expectLookerError(invalid, 422);
    expect(body.errors).toEqual([
      expect.objectContaining({ field: expect.any(String), code: 'invalid', message: expect.any(String) }),
    ]);
    expectLookerError(
      await call(server.url, 'PATCH', valuePath(person.id, age.id), { headers: auth(), body: { value: 42 } }),
      422,
    );
    expectLookerError(
      await call(server.url, 'PATCH', valuePath(person.id, age.id), { headers: auth(), body: '{"value":' }),
      400,
    );
  });

  it('401 without a credential or with a revoked key’s login token; 403 for a person token; 404 for unknowns', async () => {
    const person = await createPerson(org.apiKey);
    expectLookerError(await call(server.url, 'GET', `/api/4.0/users/${person.id}/attribute_values`), 401);
    expectLookerError(
      await call(server.url, 'GET', `/api/4.0/users/${person.id}/attribute_values`, { headers: auth('garbage') }),
      401,
    );
    const key = await createApiKey(org.orgId);
    const keyToken = (await login(org.orgId, key.apiKey)).body as { access_token: string };
    const withKeyToken = () =>
      call(server.url, 'GET', `/api/4.0/users/${person.id}/attribute_values`, { headers: auth(keyToken.access_token) });
    expect((await withKeyToken()).status).toBe(200);
    await revokeApiKey(key.apiKey);
    expectLookerError(await withKeyToken(), 401);
    const personToken = await mintToken(org.apiKey, person.id);
    expectLookerError(
      await call(server.url, 'GET', `/api/4.0/users/${person.id}/attribute_values`, { headers: auth(personToken) }),
      403,
    );
    expectLookerError(
      await call(server.url, 'GET', '/api/4.0/users/nobody/attribute_values', { headers: auth() }),
      404,
    );
    expectLookerError(
      await call(server.url, 'PATCH', valuePath(person.id, 'no-attr'), { headers: auth(), body: { value: 'x' } }),
      404,
    );
    const foreign = await createPerson(other.apiKey);
    expectLookerError(
      await call(server.url, 'PATCH', valuePath(foreign.id, locale.id), { headers: auth(), body: { value: 'x' } }),
      404,
    );
    expectLookerError(await call(server.url, 'GET', '/api/4.0/dashboards', { headers: auth() }), 404);
  });
});
