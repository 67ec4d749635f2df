import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrg } from './helpers/graphql.ts';
import { createPerson, mintToken } from './helpers/persons.ts';
import { call, type RestResponse, startRestServer } from './helpers/rest.ts';
import { httpGql, type ServerProcess } from './helpers/server-process.ts';
import { getQuery, type UuidMetadataJson } from './helpers/uuid-metadata.ts';

// PubNub App Context uuid metadata over real HTTP with plain fetch, as the SDK sends it:
// PATCH /v2/objects/{sub_key}/uuids/{uuid}?include=status,type,custom&auth=…&uuid=…&pnsdk=…&requestid=…

let server: ServerProcess;
let org: { orgId: string; apiKey: string };
let other: { orgId: string; apiKey: string };

const sdkParams = (o = org) => `auth=${o.apiKey}&uuid=client-1&pnsdk=PubNub-JS-Nodejs%2F11.0.2&requestid=r-1`;
const uuidPath = (uuid: string, query = '', o = org) =>
  `/v2/objects/${o.orgId}/uuids/${encodeURIComponent(uuid)}?${sdkParams(o)}${query}`;
const jsonHeaders = { 'Content-Type': 'application/json' };

function expectPubNubError(response: RestResponse, status: number, source = 'metadata') {
  expect(response.status).toBe(status);
  const body = response.body as { status: number; error: { message: string; source: string; details: unknown[] } };
  expect(body.status).toBe(status);
  expect(body.error.source).toBe(source);
  expect(typeof body.error.message).toBe('string');
  expect(Array.isArray(body.error.details)).toBe(true);
  return body.error;
}

async function viaGraphql(uuid: string) {
  const response = await httpGql<{ uuidMetadata: UuidMetadataJson | null }>(server.url, getQuery, { uuid }, org.apiKey);
  return response.data?.uuidMetadata;
}

beforeAll(async () => {
  org = await newOrg('pubnub');
  other = await newOrg('pubnub-other');
  server = await startRestServer();
});
afterAll(() => server?.stop());

describe('uuid metadata with plain fetch', () => {
  it('PATCH creates the uuid and answers {status, data} with the included fields; GraphQL agrees', async () => {
    const body = {
      name: 'Ada',
      email: 'ada@example.com',
      profileUrl: 'https://example.com/ada.png',
      externalId: 'ext-1',
      type: 'admin',
      status: 'active',
      custom: { team: 'core', level: 3, beta: true },
      unknownProperty: 'ignored',
    };
    const response = await call(server.url, 'PATCH', uuidPath('ada-1', '&include=status,type,custom'), {
      headers: jsonHeaders,
      body,
    });
    expect(response.status).toBe(200);
    const { unknownProperty: _ignored, ...stored } = body;
    const data = (response.body as { status: number; data: Record<string, unknown> }).data;
    expect(response.body).toMatchObject({ status: 200, data: { id: 'ada-1', ...stored } });
    expect(Object.keys(data).sort()).toEqual(
      ['custom', 'eTag', 'email', 'externalId', 'id', 'name', 'profileUrl', 'status', 'type', 'updated'].sort(),
    );
    const graphql = await viaGraphql('ada-1');
    expect(graphql).toEqual({ ...stored, id: 'ada-1', updated: data.updated, eTag: data.eTag });
  });

  it('leaves out custom, type and status unless include names them', async () => {
    await call(server.url, 'PATCH', uuidPath('bob-1'), { headers: jsonHeaders, body: { name: 'Bob', type: 't' } });
    const got = await call(server.url, 'GET', uuidPath('bob-1'));
    expect(got.status).toBe(200);
    const data = (got.body as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({ id: 'bob-1', name: 'Bob' });
    expect(data).not.toHaveProperty('type');
    expect(data).not.toHaveProperty('custom');
    const withType = await call(server.url, 'GET', uuidPath('bob-1', '&include=type'));
    expect((withType.body as { data: Record<string, unknown> }).data).toMatchObject({ type: 't' });
  });

  it('If-Match: the current eTag writes, a stale one is 412 and writes nothing', async () => {
    const first = await call(server.url, 'PATCH', uuidPath('cy-1'), { headers: jsonHeaders, body: { name: 'Cy' } });
    const eTag = (first.body as { data: { eTag: string } }).data.eTag;
    const second = await call(server.url, 'PATCH', uuidPath('cy-1'), {
      headers: { ...jsonHeaders, 'If-Match': eTag },
      body: { name: 'Cy 2' },
    });
    expect(second.status).toBe(200);
    const stale = await call(server.url, 'PATCH', uuidPath('cy-1'), {
      headers: { ...jsonHeaders, 'If-Match': eTag },
      body: { name: 'Cy 3' },
    });
    expectPubNubError(stale, 412);
    expect((await viaGraphql('cy-1'))?.name).toBe('Cy 2');
  });

  it('exactly one of two writers holding the same eTag wins', async () => {
    const first = await call(server.url, 'PATCH', uuidPath('duo-1'), { headers: jsonHeaders, body: { name: 'x' } });
    const eTag = (first.body as { data: { eTag: string } }).data.eTag;
    const writes = await Promise.all(
      ['a', 'b', 'c', 'd'].map((name) =>
        call(server.url, 'PATCH', uuidPath('duo-1'), { headers: { ...jsonHeaders, 'If-Match': eTag }, body: { name } }),
      ),
    );
    expect(writes.map((w) => w.status).sort()).toEqual([200, 412, 412, 412]);
  });

  it('DELETE clears the metadata (200, data null); GET and DELETE of an unknown uuid are 404', async () => {
    const person = await createPerson(org.apiKey);
    await call(server.url, 'PATCH', uuidPath(person.id), { headers: jsonHeaders, body: { name: 'Gone soon' } });
    const removed = await call(server.url, 'DELETE', uuidPath(person.id));
    expect(removed).toMatchObject({ status: 200, body: { status: 200, data: null } });
    expect(await viaGraphql(person.id)).toBeNull();
    expectPubNubError(await call(server.url, 'GET', uuidPath(person.id)), 404);
    expectPubNubError(await call(server.url, 'GET', uuidPath('never-was')), 404);
    expectPubNubError(await call(server.url, 'DELETE', uuidPath('never-was')), 404);
  });

  it('400 with details for invalid fields; 415 for a body that is not JSON; 400 for bad JSON', async () => {
    const bad = await call(server.url, 'PATCH', uuidPath('val-1'), {
      headers: jsonHeaders,
      body: { name: '   ', email: 'Ada <ada@example.com>', custom: { nested: { no: 1 } } },
    });
    const error = expectPubNubError(bad, 400);
    expect((error.details as { location: string; locationType: string }[]).map((d) => d.location).sort()).toEqual([
      'custom.nested',
      'email',
      'name',
    ]);
    expectPubNubError(
      await call(server.url, 'PATCH', uuidPath('val-1'), {
        headers: { 'Content-Type': 'text/plain' },
        body: '{"name":"x"}',
      }),
      415,
    );
    expectPubNubError(await call(server.url, 'PATCH', uuidPath('val-1'), { body: '{"name":"x"}' }), 415);
    expectPubNubError(
      await call(server.url, 'PATCH', uuidPath('val-1'), { headers: jsonHeaders, body: '{"name":' }),
      400,
    );
    expectPubNubError(await call(server.url, 'PATCH', uuidPath('bad,uuid'), { headers: jsonHeaders, body: {} }), 400);
    expect(await viaGraphql('val-1')).toBeNull();
  });

  it('401 without or with a bad auth; 403 for another org’s sub_key; another org’s uuid is unknown', async () => {
    expectPubNubError(await call(server.url, 'GET', `/v2/objects/${org.orgId}/uuids/x`), 401, 'authz');
    expectPubNubError(await call(server.url, 'GET', `/v2/objects/${org.orgId}/uuids/x?auth=nope`), 401, 'authz');
    const crossed = `/v2/objects/${other.orgId}/uuids/x?${sdkParams(org)}`;
    expectPubNubError(await call(server.url, 'GET', crossed), 403, 'authz');
    await call(server.url, 'PATCH', uuidPath('theirs', '', other), { headers: jsonHeaders, body: { name: 'Theirs' } });
    expectPubNubError(await call(server.url, 'GET', uuidPath('theirs')), 404);
    expectPubNubError(await call(server.url, 'DELETE', uuidPath('theirs')), 404);
    const bearer = await call(server.url, 'GET', `/v2/objects/${other.orgId}/uuids/theirs`, {
      headers: { Authorization: `Bearer ${other.apiKey}` },
    });
    expect(bearer).toMatchObject({ status: 200, body: { data: { name: 'Theirs' } } });
    expectPubNubError(await call(server.url, 'GET', `/v2/objects/${org.orgId}/channels/x?${sdkParams()}`), 404);
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    const asPerson = `/v2/objects/${org.orgId}/uuids/${person.id}?auth=${token}`;
    expectPubNubError(
      await call(server.url, 'PATCH', asPerson, { headers: jsonHeaders, body: { name: 'x' } }),
      403,
      'authz',
    );
  });
});
