import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { looker } from '../src/rest/looker.ts';
import { pubnub } from '../src/rest/pubnub.ts';
import { newOrg } from './helpers/graphql.ts';
import { createPerson } from './helpers/persons.ts';
import { awayFromWindowEdge } from './helpers/rate-limit-window.ts';
import { call, type RestResponse, startRestServer } from './helpers/rest.ts';
import type { ServerProcess } from './helpers/server-process.ts';
import { createAttribute } from './helpers/user-attributes.ts';

// The shared guards on the PubNub and Looker endpoints (SlashID's and PACE's are in their own files): body limit
// 413 at one byte over, rate limit 429 with Retry-After, unexpected failures without internals, each in the
// vendor's error shape (checked with the schema the OpenAPI document publishes).

let limited: ServerProcess;
const limit = 200;

beforeAll(async () => {
  limited = await startRestServer({ ATTRQL_MAX_BODY_BYTES: String(limit), ATTRQL_RATE_LIMIT_PER_MINUTE: '2' });
});
afterAll(() => limited?.stop());

function expectShape(response: RestResponse, status: number, schema: typeof pubnub.errors.schema) {
  expect(response.status).toBe(status);
  expect(schema.safeParse(response.body).success, JSON.stringify(response.body)).toBe(true);
}

/** A JSON object body of exactly `size` bytes. */
const bodyOf = (size: number) => JSON.stringify({ name: 'x'.repeat(size - 11) });

describe('PubNub', () => {
  it('413 one byte over the body limit, served at it; 429 with Retry-After after the limit', async () => {
    await awayFromWindowEdge(10_000);
    const org = await newOrg('pubnub-limits');
    const path = `/v2/objects/${org.orgId}/uuids/lim-1?auth=${org.apiKey}`;
    const headers = { 'Content-Type': 'application/json' };
    expect(bodyOf(limit).length).toBe(limit);
    expect((await call(limited.url, 'PATCH', path, { headers, body: bodyOf(limit) })).status).toBe(200);
    expectShape(
      await call(limited.url, 'PATCH', path, { headers, body: bodyOf(limit + 1) }),
      413,
      pubnub.errors.schema,
    );
    expect((await call(limited.url, 'GET', path)).status).toBe(200);
    const refused = await call(limited.url, 'GET', path);
    expectShape(refused, 429, pubnub.errors.schema);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('500 without internals when stored metadata is unreadable', async () => {
    const org = await newOrg('pubnub-500');
    const path = `/v2/objects/${org.orgId}/uuids/broken-1?auth=${org.apiKey}`;
    expect(
      (await call(limited.url, 'PATCH', path, { headers: { 'Content-Type': 'application/json' }, body: {} })).status,
    ).toBe(200);
    // Written behind attrql's back: custom that is not JSON.
    await db.uuidMetadata.updateMany({ where: { orgId: org.orgId, personId: 'broken-1' }, data: { custom: '{oops' } });
    const response = await call(limited.url, 'GET', path);
    expectShape(response, 500, pubnub.errors.schema);
    expect((response.body as { error: { message: string } }).error.message).toBe('Unexpected error.');
  });
});

describe('Looker', () => {
  it('413 one byte over the body limit; 429 with Retry-After after the limit', async () => {
    await awayFromWindowEdge(10_000);
    const org = await newOrg('looker-limits');
    const person = await createPerson(org.apiKey);
    const attribute = await createAttribute(org.apiKey, { name: 'note', label: 'Note', type: 'STRING' });
    const path = `/api/4.0/users/${person.id}/attribute_values/${attribute.id}`;
    const headers = { Authorization: `Bearer ${org.apiKey}`, 'Content-Type': 'application/json' };
    const over = JSON.stringify({ value: 'x'.repeat(limit - 11) });
    expect(over.length).toBe(limit + 1);
    expectShape(await call(limited.url, 'PATCH', path, { headers, body: over }), 413, looker.errors.schema);
    expect((await call(limited.url, 'PATCH', path, { headers, body: { value: 'a' } })).status).toBe(200);
    expect((await call(limited.url, 'DELETE', path, { headers })).status).toBe(204);
    const refused = await call(limited.url, 'DELETE', path, { headers });
    expectShape(refused, 429, looker.errors.schema);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
