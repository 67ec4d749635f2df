import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { createPerson, createRoleDoc, merge, mintToken, personDoc } from './helpers/persons.ts';
import { awayFromWindowEdge } from './helpers/rate-limit-window.ts';
import { call, startRestServer } from './helpers/rest.ts';
import { httpGql, type ServerProcess } from './helpers/server-process.ts';

// SlashID's bucket and person endpoints over real HTTP against a started attrql, driven as the seed's curl does:
// `curl -X PATCH $BASE/persons/$ID/attributes/end_user_read_write -H "SlashID-OrgID: $ORG"
//  -H "SlashID-API-Key: $KEY" -H "Content-Type: application/json" -d '{…}'`

let server: ServerProcess;
let org: { orgId: string; apiKey: string };
let other: { orgId: string; apiKey: string };

const headers = (o = org) => ({
  'SlashID-OrgID': o.orgId,
  'SlashID-API-Key': o.apiKey,
  'Content-Type': 'application/json',
});
const bucketPath = (personId: string, bucket = 'end_user_read_write') =>
  `/persons/${encodeURIComponent(personId)}/attributes/${bucket}`;

/** The bucket as GraphQL sees it, through the same server. */
async function bucketViaGraphql(personId: string, bucket = 'end_user_read_write') {
  const response = await httpGql<{ person: { bucket: Record<string, unknown> } | null }>(
    server.url,
    'query B($id: ID!, $b: String!) { person(id: $id) { bucket(name: $b) } }',
    { id: personId, b: bucket },
    org.apiKey,
  );
  return response.data?.person?.bucket;
}

function expectSlashIdError(response: { status: number; body: unknown }, status: number) {
  expect(response.status).toBe(status);
  const body = response.body as { meta: unknown; errors: { httpcode: number; message: string }[] };
  expect(body.meta).toEqual({});
  expect(body.errors.length).toBeGreaterThan(0);
  for (const error of body.errors) {
    expect(error.httpcode).toBe(status);
    expect(typeof error.message).toBe('string');
  }
  return body.errors;
}

beforeAll(async () => {
  org = await newOrg('slashid');
  other = await newOrg('slashid-other');
  server = await startRestServer();
});
afterAll(() => server?.stop());

describe('bucket attributes', () => {
  it('PATCH merges (204), GET returns {"result": …}, and GraphQL sees the same bucket', async () => {
    const person = await createPerson(org.apiKey, { attributes: { end_user_read_write: { keep: 1 } } });
    const patched = await call(server.url, 'PATCH', bucketPath(person.id), {
      headers: headers(),
      body: { nickname: 'ada', prefs: { theme: 'dark' }, nothing: null },
    });
    expect(patched.status).toBe(204);
    expect(patched.body).toBeNull();
    const expected = { keep: 1, nickname: 'ada', prefs: { theme: 'dark' }, nothing: null };
    const got = await call(server.url, 'GET', bucketPath(person.id), { headers: headers() });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ result: expected });
    expect(await bucketViaGraphql(person.id)).toEqual(expected);
  });

  it('accepts the key as Bearer too', async () => {
    const person = await createPerson(org.apiKey);
    const response = await call(server.url, 'GET', bucketPath(person.id), {
      headers: { Authorization: `Bearer ${org.apiKey}`, 'SlashID-OrgID': org.orgId },
    });
    expect(response).toMatchObject({ status: 200, body: { result: {} } });
  });

  it('PUT replaces the bucket (204)', async () => {
    const person = await createPerson(org.apiKey, { attributes: { end_user_read_write: { old: true, b: 1 } } });
    const put = await call(server.url, 'PUT', bucketPath(person.id), { headers: headers(), body: { b: 2, c: 'x' } });
    expect(put.status).toBe(204);
    expect(await bucketViaGraphql(person.id)).toEqual({ b: 2, c: 'x' });
  });

  it('DELETE ?attributes=a,b removes those keys (204), unknown names are ignored', async () => {
    const person = await createPerson(org.apiKey, { attributes: { end_user_read_write: { a: 1, b: 2, c: 3 } } });
    const deleted = await call(server.url, 'DELETE', `${bucketPath(person.id)}?attributes=a,b,zz`, {
      headers: headers(),
    });
    expect(deleted.status).toBe(204);
    expect(await bucketViaGraphql(person.id)).toEqual({ c: 3 });
    expectSlashIdError(await call(server.url, 'DELETE', bucketPath(person.id), { headers: headers() }), 400);
  });

  it('writes made through GraphQL are read by REST', async () => {
    const person = await createPerson(org.apiKey);
    await merge(org.apiKey, person.id, 'end_user_no_access', { secret: 's' });
    const got = await call(server.url, 'GET', bucketPath(person.id, 'end_user_no_access'), { headers: headers() });
    expect(got.body).toEqual({ result: { secret: 's' } });
  });

  it('concurrent PATCH merges on one bucket lose no key', async () => {
    const person = await createPerson(org.apiKey);
    const writes = Array.from({ length: 24 }, (_, i) =>
      call(server.url, 'PATCH', bucketPath(person.id), { headers: headers(), body: { [`k${i}`]: i } }),
    );
    const results = await Promise.all(writes);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 204));
    const bucket = await bucketViaGraphql(person.id);
    expect(bucket).toEqual(Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`k${i}`, i])));
  });
});

describe('bucket errors', () => {
  it('400: a value over 65,536 bytes, a bad name, a body that is not an object, bad JSON', async () => {
    const person = await createPerson(org.apiKey);
    const path = bucketPath(person.id);
    // JSON.stringify of a string adds 2 quote bytes: 65,534 characters serialize to exactly 65,536 bytes.
    const atLimit = await call(server.url, 'PATCH', path, { headers: headers(), body: { v: 'x'.repeat(65_534) } });
    expect(atLimit.status).toBe(204);
    const over = await call(server.url, 'PATCH', path, { headers: headers(), body: { v: 'x'.repeat(65_535) } });
    expect(expectSlashIdError(over, 400)[0]?.message).toContain('v: must serialize to at most 65536 bytes');
    expectSlashIdError(
      await call(server.url, 'PATCH', path, { headers: headers(), body: { ['n'.repeat(71)]: 1 } }),
      400,
    );
    expect((await call(server.url, 'PATCH', path, { headers: headers(), body: { ['n'.repeat(70)]: 1 } })).status).toBe(
      204,
    );
    expectSlashIdError(await call(server.url, 'PATCH', path, { headers: headers(), body: [1, 2] }), 400);
    expectSlashIdError(await call(server.url, 'PATCH', path, { headers: headers(), body: '{"a": ' }), 400);
    expectSlashIdError(await call(server.url, 'PUT', path, { headers: headers(), body: '"\\u0000"' }), 400);
    expectSlashIdError(await call(server.url, 'PATCH', path, { headers: headers(), body: '{"a":"\\ud800"}' }), 400);
    // Nothing of the refused writes was stored.
    expect(Object.keys((await bucketViaGraphql(person.id)) ?? {}).sort()).toEqual(['n'.repeat(70), 'v']);
  });

  it('401 without or with a bad key; 403 when SlashID-OrgID names another org; 400 without it', async () => {
    const person = await createPerson(org.apiKey);
    const path = bucketPath(person.id);
    expectSlashIdError(await call(server.url, 'GET', path, { headers: { 'SlashID-OrgID': org.orgId } }), 401);
    expectSlashIdError(
      await call(server.url, 'GET', path, { headers: { ...headers(), 'SlashID-API-Key': 'nope' } }),
      401,
    );
    expectSlashIdError(
      await call(server.url, 'GET', path, { headers: { ...headers(), 'SlashID-OrgID': other.orgId } }),
      403,
    );
    expectSlashIdError(await call(server.url, 'GET', path, { headers: { 'SlashID-API-Key': org.apiKey } }), 400);
    // A person token is no admin credential: it may not read or write anyone's buckets here.
    const token = await mintToken(org.apiKey, person.id);
    const asPerson = {
      'SlashID-OrgID': org.orgId,
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    };
    expectSlashIdError(await call(server.url, 'GET', path, { headers: asPerson }), 403);
    expectSlashIdError(await call(server.url, 'PATCH', path, { headers: asPerson, body: { a: 1 } }), 403);
    expect(await bucketViaGraphql(person.id)).toEqual({});
  });

  it('404: unknown person, unknown bucket, another org’s person (nothing written), unknown route', async () => {
    const person = await createPerson(org.apiKey);
    const foreign = await createPerson(other.apiKey, { attributes: { end_user_read_write: { mine: 1 } } });
    expectSlashIdError(await call(server.url, 'GET', bucketPath('nobody'), { headers: headers() }), 404);
    expectSlashIdError(await call(server.url, 'GET', bucketPath(person.id, 'no_such'), { headers: headers() }), 404);
    for (const method of ['GET', 'PATCH', 'PUT'] as const) {
      const response = await call(server.url, method, bucketPath(foreign.id), {
        headers: headers(),
        ...(method === 'GET' ? {} : { body: { stolen: 1 } }),
      });
      expectSlashIdError(response, 404);
    }
    expectSlashIdError(
      await call(server.url, 'DELETE', `${bucketPath(foreign.id)}?attributes=mine`, { headers: headers() }),
      404,
    );
    const foreignView = await gql<{ person: { attributes: unknown } }>(
      personDoc,
      { id: foreign.id },
      { auth: other.apiKey },
    );
    expect(expectData(foreignView).person.attributes).toMatchObject({ end_user_read_write: { mine: 1 } });
    expectSlashIdError(await call(server.url, 'GET', `/persons/${person.id}/nothing`, { headers: headers() }), 404);
  });
});

describe('PATCH /persons/{person_id}', () => {
  it('sets active and roles and answers the abridged person with SlashID’s enum spellings', async () => {
    await gql(createRoleDoc, { input: { name: 'admin' } }, { auth: org.apiKey });
    await gql(createRoleDoc, { input: { name: 'viewer' } }, { auth: org.apiKey });
    const person = await createPerson(org.apiKey, {
      region: 'EUROPE_BELGIUM',
      handles: [{ type: 'EMAIL_ADDRESS', value: 'ada@example.com' }],
      groups: ['staff'],
      roles: ['viewer'],
      attributes: { end_user_read_only: { plan: 'pro' } },
    });
    const response = await call(server.url, 'PATCH', `/persons/${person.id}`, {
      headers: headers(),
      body: { active: false, roles: [`${org.orgId}/admin`] },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      result: {
        person_id: person.id,
        active: false,
        person_type: 'regular',
        region: 'europe-belgium',
        handles: [{ type: 'email_address', value: 'ada@example.com' }],
        groups: ['staff'],
        roles: [`${org.orgId}/admin`],
        attributes: { end_user_no_access: {}, end_user_read_only: { plan: 'pro' }, end_user_read_write: {} },
      },
    });
    const viaGraphql = await gql<{ person: { active: boolean; roles: string[] } }>(
      personDoc,
      { id: person.id },
      { auth: org.apiKey },
    );
    expect(expectData(viaGraphql).person).toMatchObject({ active: false, roles: [`${org.orgId}/admin`] });
    // An empty body changes nothing and answers the person.
    const unchanged = await call(server.url, 'PATCH', `/persons/${person.id}`, { headers: headers(), body: {} });
    expect(unchanged.status).toBe(200);
    expect((unchanged.body as { result: { active: boolean } }).result.active).toBe(false);
  });

  it('400 for an unknown role or a wrong type; 404 for an unknown or another org’s person', async () => {
    const person = await createPerson(org.apiKey);
    const foreign = await createPerson(other.apiKey);
    const path = `/persons/${person.id}`;
    const unknownRole = await call(server.url, 'PATCH', path, { headers: headers(), body: { roles: ['ghost'] } });
    expect(expectSlashIdError(unknownRole, 400)[0]?.message).toContain('ghost');
    expectSlashIdError(await call(server.url, 'PATCH', path, { headers: headers(), body: { active: 'no' } }), 400);
    expectSlashIdError(await call(server.url, 'PATCH', path, { headers: headers(), body: { roles: 'admin' } }), 400);
    expectSlashIdError(await call(server.url, 'PATCH', '/persons/nobody', { headers: headers(), body: {} }), 404);
    expectSlashIdError(
      await call(server.url, 'PATCH', `/persons/${foreign.id}`, { headers: headers(), body: { active: false } }),
      404,
    );
    const foreignView = await gql<{ person: { active: boolean } }>(
      personDoc,
      { id: foreign.id },
      { auth: other.apiKey },
    );
    expect(expectData(foreignView).person.active).toBe(true);
    expectSlashIdError(await call(server.url, 'GET', path, { headers: headers() }), 405);
  });
});

describe('limits', () => {
  let limited: ServerProcess;
  beforeAll(async () => {
    limited = await startRestServer({ ATTRQL_MAX_BODY_BYTES: '1000', ATTRQL_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => limited?.stop());

  it('413 in SlashID’s shape for a body one byte over the limit; exactly at the limit is served', async () => {
    const key = await newOrg('slashid-413');
    const person = await createPerson(key.apiKey);
    const atLimit = JSON.stringify({ v: 'x'.repeat(1000 - 8) });
    expect(atLimit.length).toBe(1000);
    const ok = await call(limited.url, 'PUT', bucketPath(person.id), { headers: headers(key), body: atLimit });
    expect(ok.status).toBe(204);
    const over = JSON.stringify({ v: 'x'.repeat(1000 - 7) });
    expect(over.length).toBe(1001);
    expectSlashIdError(
      await call(limited.url, 'PUT', bucketPath(person.id), { headers: headers(key), body: over }),
      413,
    );
  });

  it('429 in SlashID’s shape with Retry-After, counted with GraphQL operations of the same key', async () => {
    await awayFromWindowEdge(10_000);
    const key = await newOrg('slashid-429');
    const person = await createPerson(key.apiKey); // in-process: not counted by the limited server
    const read = () => call(limited.url, 'GET', bucketPath(person.id), { headers: headers(key) });
    expect((await read()).status).toBe(200);
    const graphql = await httpGql(limited.url, personDoc, { id: person.id }, key.apiKey);
    expect(graphql.status).toBe(200);
    expect((await read()).status).toBe(200);
    const refused = await read();
    expectSlashIdError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('logs REST calls like GraphQL requests', () => {
    expect(limited.logs()).toMatch(
      /GET \/persons\/[^ ]+\/attributes\/end_user_read_write 200 operation=slashid.getBucket/,
    );
  });
});
