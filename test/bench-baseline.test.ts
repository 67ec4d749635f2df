// The benchmark's baseline server (bench/baseline/) must do the same work as attrql, or the ratios mean nothing:
// here it answers on a seeded database (this file's own, SQLite or PostgreSQL) like attrql does.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineServer, openStore } from '../bench/baseline/server.ts';
import type { Store } from '../bench/baseline/store.ts';
import { benchBucket, personId, seededAttributes } from '../bench/fixture.ts';
import { personQuery, personsQuery } from '../bench/scenarios.ts';
import { type SeedResult, seed } from '../bench/seed/seed.ts';
import { gql } from './helpers/graphql.ts';

let seeded: SeedResult;
let store: Store;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  seeded = await seed({ databaseUrl: process.env.DATABASE_URL as string, persons: 20, progress: false });
  store = openStore(seeded.databaseUrl);
  const server = baselineServer(store);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  };
});
afterAll(() => close());

async function call(path: string, body: unknown, key = seeded.apiKey) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test reads whatever came back
  return { status: response.status, json: (await response.json()) as any };
}

describe('bench baseline', () => {
  it('merges concurrently without losing a key and gives the person a new eTag each time', async () => {
    const id = personId(3);
    const before = (await call('/person-light', { id })).json.data.person.eTag;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('/merge', { personId: id, bucket: benchBucket, attributes: { [`k${i}`]: i } }),
      ),
    );
    expect(replies.every((reply) => reply.status === 200)).toBe(true);
    const person = (await call('/person-light', { id })).json.data.person;
    expect(person.eTag).not.toBe(before);
    const bucket = person.attributes[benchBucket];
    for (let i = 0; i < 20; i += 1) expect(bucket[`k${i}`]).toBe(i);
    expect(bucket).toMatchObject(seededAttributes(3));
    const eTags = new Set(replies.map((reply) => reply.json.data.person.eTag));
    expect(eTags.size).toBe(20);
  });

  it('checks ifMatch, the API key and the input', async () => {
    const id = personId(4);
    const { eTag } = (await call('/person-light', { id })).json.data.person;
    const ok = await call('/merge', { personId: id, bucket: benchBucket, attributes: { a: 1 }, ifMatch: eTag });
    expect(ok.status).toBe(200);
    const stale = await call('/merge', { personId: id, bucket: benchBucket, attributes: { a: 2 }, ifMatch: eTag });
    expect(stale.json.errors[0].extensions.code).toBe('PRECONDITION_FAILED');
    expect((await call('/merge', { personId: id, bucket: benchBucket, attributes: { a: 1 } }, 'aq_nope')).status).toBe(
      401,
    );
    const bad = await call('/merge', { personId: id, bucket: benchBucket, attributes: { constructor: 1 } });
    expect(bad.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await call('/merge', { personId: 'nobody', bucket: benchBucket, attributes: { a: 1 } })).status).toBe(404);
  });

  it('resolves user attributes: own value, else lowest-ranked group value, else default; hidden values null', async () => {
    // Person 10: groups g10, g17, g29 (bench/fixture.ts); own values nickname and seats.
    const values = (await call('/person', { id: personId(10) })).json.data.person.attributeValues;
    expect(values).toEqual([
      { name: 'beta', value: 'no', source: 'DEFAULT' },
      { name: 'nickname', value: 'nick-10', source: 'USER' },
      { name: 'plan', value: 'plan-10', source: 'GROUP' },
      { name: 'seats', value: '100', source: 'GROUP' },
      { name: 'secret_level', value: null, source: 'GROUP' },
    ]);
    const page = (await call('/persons', { first: 5 })).json.data.persons.nodes;
    expect(page.map((node: { id: string }) => node.id)).toEqual([0, 1, 2, 3, 4].map(personId));
    expect(page[0].roles).toEqual([`${seeded.orgId}/admin`]);
  });

  it('sets UUID metadata only with the current eTag, and keeps it for a write that changes nothing', async () => {
    const uuid = personId(5);
    const first = await call('/uuid-metadata', { uuid, name: 'Ada' });
    const eTag = first.json.data.uuidMetadata.eTag;
    const same = await call('/uuid-metadata', { uuid, name: 'Ada', ifMatch: eTag });
    expect(same.json.data.uuidMetadata.eTag).toBe(eTag);
    const changed = await call('/uuid-metadata', { uuid, name: 'Grace', ifMatch: eTag });
    expect(changed.json.data.uuidMetadata.eTag).not.toBe(eTag);
    const stale = await call('/uuid-metadata', { uuid, name: 'Ada', ifMatch: eTag });
    expect(stale.json.errors[0].extensions.code).toBe('PRECONDITION_FAILED');
  });

  it('reads persons exactly as attrql does (attributes, resolved values, groups, roles)', async () => {
    for (const index of [0, 1, 7, 10, 19]) {
      const id = personId(index);
      const fromAttrql = await gql(personQuery, { id }, { auth: seeded.apiKey });
      expect((await call('/person', { id })).json.data).toEqual(fromAttrql.data);
    }
    const page = await gql(personsQuery, { first: 20 }, { auth: seeded.apiKey });
    expect((await call('/persons', { first: 20 })).json.data).toEqual(page.data);
  });
});
