import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { createPerson, mintToken, patchPersonDoc } from './helpers/persons.ts';
import { awayFromWindowEdge } from './helpers/rate-limit-window.ts';
import { call, type RestResponse, startRestServer } from './helpers/rest.ts';
import { httpGql, type ServerProcess } from './helpers/server-process.ts';

// PACE's PUT /attributes over real HTTP against a started attrql, as the seed's curl sends it:
// curl -X PUT $BASE/attributes -H "Authorization: Bearer $ACCESS_TOKEN" -H "Content-Type: application/json"
//      -d '{"referred":"false","tos_accepted":"true"}'

let server: ServerProcess;
let org: { orgId: string; apiKey: string };

const put = (token: string, body: unknown, base = server.url) =>
  call(base, 'PUT', '/attributes', {
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body,
  });

function expectPaceError(response: RestResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/vnd.api+json');
  const { errors } = response.body as { errors: Record<string, unknown>[] };
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) {
    expect(error).toMatchObject({ status: String(status), code });
    expect(typeof error.id).toBe('string');
    expect(typeof error.title).toBe('string');
    expect(typeof error.detail).toBe('string');
  }
  return errors;
}

async function myBucket(token: string) {
  const response = await httpGql<{ me: { bucket: Record<string, unknown> } }>(
    server.url,
    '{ me { bucket(name: "end_user_read_write") } }',
    {},
    token,
  );
  return response.data?.me.bucket;
}

beforeAll(async () => {
  org = await newOrg('pace');
  server = await startRestServer();
});
afterAll(() => server?.stop());

describe('PUT /attributes', () => {
  it('merges into the caller’s end_user_read_write bucket (204); GraphQL reads the same', async () => {
    const person = await createPerson(org.apiKey, { attributes: { end_user_read_write: { kept: 'yes' } } });
    const token = await mintToken(org.apiKey, person.id, ['user:attributes:write']);
    const response = await put(token, '{"referred":"false","tos_accepted":"true"}');
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    const readToken = await mintToken(org.apiKey, person.id, ['user:attributes:read']);
    expect(await myBucket(readToken)).toEqual({ kept: 'yes', referred: 'false', tos_accepted: 'true' });
  });

  it('401 without a token, with a bad one, or for a deactivated person', async () => {
    expectPaceError(await call(server.url, 'PUT', '/attributes', { body: { a: 1 } }), 401, 'unauthenticated');
    expectPaceError(await put('not-a-token', { a: 1 }), 401, 'unauthenticated');
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id, ['user:attributes:write']);
    expectData(await gql(patchPersonDoc, { input: { personId: person.id, active: false } }, { auth: org.apiKey }));
    expectPaceError(await put(token, { a: 1 }), 401, 'unauthenticated');
  });

  it('403 for a read-only token and for an org API key; nothing is written', async () => {
    const person = await createPerson(org.apiKey);
    const readOnly = await mintToken(org.apiKey, person.id, ['user:attributes:read']);
    expectPaceError(await put(readOnly, { a: 1 }), 403, 'forbidden');
    expectPaceError(await put(org.apiKey, { a: 1 }), 403, 'forbidden');
    expect(await myBucket(readOnly)).toEqual({});
  });

  it('400 for bad input (one error per offending key, with a JSON pointer) and for bad JSON', async () => {
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    const errors = expectPaceError(
      await put(token, { ['n'.repeat(71)]: 1, ok: 1, __proto__x: 1 }),
      400,
      'bad-user-input',
    );
    expect(errors.map((e) => e.source)).toEqual([{ pointer: `/attributes/${'n'.repeat(71)}` }]);
    expectPaceError(await put(token, '{"a":'), 400, 'malformed-body');
    expectPaceError(await put(token, '[]'), 400, 'bad-user-input');
    expect(await myBucket(token)).toEqual({});
  });

  it('404 in PACE’s shape for other paths under /attributes; 405 for another method', async () => {
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    expectPaceError(
      await call(server.url, 'GET', '/attributes/x', { headers: { Authorization: `Bearer ${token}` } }),
      404,
      'route-not-found',
    );
    expectPaceError(
      await call(server.url, 'POST', '/attributes', { headers: { Authorization: `Bearer ${token}` }, body: {} }),
      405,
      'method-not-allowed',
    );
  });

  it('404 in PACE’s shape when the bucket is gone (an expected NOT_FOUND)', async () => {
    const gone = await newOrg('pace-404');
    const person = await createPerson(gone.apiKey);
    const token = await mintToken(gone.apiKey, person.id);
    await db.attributeBucket.deleteMany({ where: { orgId: gone.orgId, name: 'end_user_read_write' } });
    expectPaceError(await put(token, { a: 1 }), 404, 'not-found');
  });

  it('501 in PACE’s shape for an unexpected failure, with nothing internal in the body', async () => {
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    // A stored value that is not JSON (written behind attrql's back): reading the bucket back fails unexpectedly.
    await db.personAttribute.create({
      data: { orgId: org.orgId, personId: person.id, bucket: 'end_user_read_write', name: 'broken', value: '{oops' },
    });
    const response = await put(token, { a: 1 });
    const [error] = expectPaceError(response, 501, 'internal-server-error');
    expect(error?.detail).toBe('Unexpected error.');
    expect(JSON.stringify(response.body)).not.toMatch(/oops|SyntaxError|JSON\.parse|at /);
  });
});

describe('limits', () => {
  let limited: ServerProcess;
  beforeAll(async () => {
    limited = await startRestServer({ ATTRQL_MAX_BODY_BYTES: '100', ATTRQL_RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(() => limited?.stop());

  it('413 one byte over the body limit; exactly at it is served', async () => {
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    const atLimit = JSON.stringify({ v: 'x'.repeat(100 - 8) });
    expect(atLimit.length).toBe(100);
    expect((await put(token, atLimit, limited.url)).status).toBe(204);
    const over = JSON.stringify({ v: 'x'.repeat(100 - 7) });
    expectPaceError(await put(token, over, limited.url), 413, 'payload-too-large');
  });

  it('429 with Retry-After once the token used its operations', async () => {
    await awayFromWindowEdge(10_000);
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    expect((await put(token, { a: 1 }, limited.url)).status).toBe(204);
    expect((await put(token, { a: 2 }, limited.url)).status).toBe(204);
    const refused = await put(token, { a: 3 }, limited.url);
    expectPaceError(refused, 429, 'rate-limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
