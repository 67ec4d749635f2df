import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/client.ts';
import { yoga } from '../src/server.ts';
import { expectData, expectError, type GraphQLResponse, gql, newOrg } from './helpers/graphql.ts';
import {
  bucketDoc,
  createPerson,
  createPersonDoc,
  mergeDoc,
  mintToken,
  replaceDoc,
  updateMyDoc,
} from './helpers/persons.ts';

// CONTRACT §8 "stored per bucket": at most 1,000 keys and 1 MiB of stored JSON text (the values' UTF-8 bytes) per
// person and bucket. A write that would pass either is BAD_USER_INPUT naming the bucket and the bound, and stores
// nothing: not its keys, not a change in the history, not a new eTag. Checked in the write's transaction, so
// concurrent writers cannot pass it together. Through GraphQL, SlashID and PACE, on the real server in-process.

let org: { orgId: string; apiKey: string };
beforeAll(async () => {
  org = await newOrg('quota');
});

const bucket = 'end_user_read_write';
/** `count` keys named `${prefix}0…`, each with a small value. */
const keys = (count: number, prefix = 'k') =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, i]));
/** A value whose stored JSON text is exactly 65,536 bytes, of two-byte characters (quotes add 2). */
const bigValue = (extraAscii = 0) => 'é'.repeat(32_767 - extraAscii) + 'x'.repeat(extraAscii * 2);

async function storedBucket(personId: string): Promise<Record<string, unknown>> {
  const data = expectData(
    await gql<{ person: { bucket: Record<string, unknown> } }>(
      bucketDoc,
      { id: personId, name: bucket },
      { auth: org.apiKey },
    ),
  );
  return data.person.bucket;
}

/** The person's eTag and how many changes its history holds, read behind the API's back. */
async function footprint(personId: string) {
  const [person] = await sql.all<{ eTag: string }>('SELECT "eTag" FROM "Person" WHERE "orgId" = $1 AND "id" = $2', [
    org.orgId,
    personId,
  ]);
  const [changes] = await sql.all<{ n: unknown }>(
    'SELECT count(*) AS "n" FROM "PersonChange" WHERE "orgId" = $1 AND "personId" = $2',
    [org.orgId, personId],
  );
  return { eTag: person?.eTag, changes: Number(changes?.n) };
}

function mergeVia(personId: string, attributes: Record<string, unknown>, doc = mergeDoc) {
  return gql(doc, { input: { personId, bucket, attributes } }, { auth: org.apiKey });
}

function expectQuotaError(response: GraphQLResponse<unknown>, bound: string) {
  const error = expectError(response, 'BAD_USER_INPUT');
  expect(error.extensions?.issues).toEqual([
    { path: ['input', 'attributes'], message: expect.stringContaining(bound) },
  ]);
  expect(error.message).toContain(`"${bucket}"`);
  return error;
}

describe('keys per bucket', () => {
  it('a merge up to exactly 1,000 keys passes; one key more is refused and stores nothing', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: keys(999) } });
    expectData(await mergeVia(person.id, { last: true }));
    expect(Object.keys(await storedBucket(person.id))).toHaveLength(1000);
    // Overwriting keys of a full bucket adds none: allowed.
    expectData(await mergeVia(person.id, { k0: 'again', last: false }));

    const before = await footprint(person.id);
    expectQuotaError(await mergeVia(person.id, { k1: 'changed', extra: 1 }), 'at most 1000 keys');
    expect(await footprint(person.id)).toEqual(before);
    const stored = await storedBucket(person.id);
    expect(Object.keys(stored)).toHaveLength(1000);
    expect(stored).not.toHaveProperty('extra');
    expect(stored.k1).toBe(1);
  });

  it('a replace with exactly 1,000 keys passes; with 1,001 it is refused and the old bucket stays', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: { old: 1 } } });
    expectData(await mergeVia(person.id, keys(1000), replaceDoc));
    expect(Object.keys(await storedBucket(person.id))).toHaveLength(1000);
    expectData(await mergeVia(person.id, { old: 1 }, replaceDoc));
    const before = await footprint(person.id);
    expectQuotaError(await mergeVia(person.id, keys(1001), replaceDoc), 'at most 1000 keys');
    expect(await footprint(person.id)).toEqual(before);
    expect(await storedBucket(person.id)).toEqual({ old: 1 });
  });

  it('createPerson with 1,000 keys in a bucket passes, with 1,001 it is refused and no person exists', async () => {
    await createPerson(org.apiKey, { id: 'created-at-limit', attributes: { [bucket]: keys(1000) } });
    const refused = await gql(
      createPersonDoc,
      { input: { id: 'created-over-limit', attributes: { [bucket]: keys(1001) } } },
      { auth: org.apiKey },
    );
    const error = expectError(refused, 'BAD_USER_INPUT');
    expect(error.extensions?.issues).toEqual([
      { path: ['input', 'attributes', bucket], message: expect.stringContaining('at most 1000 keys') },
    ]);
    const rows = await sql.all('SELECT 1 FROM "Person" WHERE "orgId" = $1 AND "id" = $2', [
      org.orgId,
      'created-over-limit',
    ]);
    expect(rows).toEqual([]);
  });

  it('updateMyAttributes (a person token) obeys the same bound', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: keys(999) } });
    const token = await mintToken(org.apiKey, person.id);
    expectData(await gql(updateMyDoc, { input: { attributes: { mine: 1 } } }, { auth: token }));
    const before = await footprint(person.id);
    expectQuotaError(
      await gql(updateMyDoc, { input: { attributes: { mine: 2, more: 1 } } }, { auth: token }),
      'at most 1000 keys',
    );
    expect(await footprint(person.id)).toEqual(before);
    expect((await storedBucket(person.id)).mine).toBe(1);
  });

  it('a deletion from a bucket over a lowered bound is allowed (it only shrinks the bucket)', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: keys(10) } });
    process.env.ATTRQL_MAX_BUCKET_KEYS = '5';
    try {
      expectQuotaError(await mergeVia(person.id, { k0: 'x' }), 'at most 5 keys');
      const deleted = await gql(
        'mutation D($input: DeletePersonAttributesInput!) { deletePersonAttributes(input: $input) { attributes } }',
        { input: { personId: person.id, bucket, names: ['k0', 'k1'] } },
        { auth: org.apiKey },
      );
      expectData(deleted);
      expect(Object.keys(await storedBucket(person.id))).toHaveLength(8);
    } finally {
      delete process.env.ATTRQL_MAX_BUCKET_KEYS;
    }
  });
});

describe('bytes per bucket', () => {
  it('exactly 1 MiB of stored JSON passes; one byte more is refused and stores nothing', async () => {
    const person = await createPerson(org.apiKey);
    // 16 values of 65,536 bytes each = 1,048,576 bytes, sent in two merges (one body holds at most 1 MiB).
    const half = (offset: number) =>
      Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`v${offset + i}`, bigValue()]));
    expect(Buffer.byteLength(JSON.stringify(bigValue()))).toBe(65_536);
    expectData(await mergeVia(person.id, half(0)));
    expectData(await mergeVia(person.id, half(8)));
    const before = await footprint(person.id);
    // One byte more: a new key holding `0`.
    expectQuotaError(await mergeVia(person.id, { one: 0 }), 'at most 1048576 bytes');
    expect(await footprint(person.id)).toEqual(before);
    const stored = await storedBucket(person.id);
    expect(Object.keys(stored)).toHaveLength(16);
    expect(stored.v0).toBe(bigValue());
    // A same-size value (ASCII instead of two-byte characters) still fits.
    expectData(await mergeVia(person.id, { v0: bigValue(1) }));
  });

  it('a replace is bounded by the bytes it leaves', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: { a: 'abcdefghijklmnop' } } });
    process.env.ATTRQL_MAX_BUCKET_BYTES = '10';
    try {
      expectData(await mergeVia(person.id, { a: '12345678' }, replaceDoc)); // "12345678" is 10 bytes
      expectQuotaError(await mergeVia(person.id, { a: '123456789' }, replaceDoc), 'at most 10 bytes');
      expect(await storedBucket(person.id)).toEqual({ a: '12345678' });
    } finally {
      delete process.env.ATTRQL_MAX_BUCKET_BYTES;
    }
  });
});

describe('concurrent writers', () => {
  it('20 concurrent merges that each fit but together pass 1,000 keys: the bucket never passes the bound', async () => {
    const person = await createPerson(org.apiKey);
    const start = await footprint(person.id);
    // 60 new keys each: 16 fit (960 keys), the 17th would make 1,020.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, writer) => mergeVia(person.id, keys(60, `w${writer}-`))),
    );
    const passed = results.flatMap((result, writer) => (result.errors ? [] : [writer]));
    for (const result of results) if (result.errors) expectQuotaError(result, 'at most 1000 keys');
    expect(passed).toHaveLength(16);
    const stored = Object.keys(await storedBucket(person.id));
    expect(stored).toHaveLength(960);
    // Each refused write stored none of its keys and logged no change.
    const writers = new Set(stored.map((name) => Number(name.slice(1, name.indexOf('-')))));
    expect([...writers].sort((a, b) => a - b)).toEqual(passed);
    expect((await footprint(person.id)).changes).toBe(start.changes + 16);
  });
});

describe('REST', () => {
  /** One REST call through the real server, in-process. */
  async function rest(method: string, path: string, headers: Record<string, string>, body: unknown) {
    const response = await yoga.fetch(`http://attrql.test${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  it('SlashID PATCH and PUT: at the bound 204, one key over 400 in SlashID shape, nothing stored', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: keys(999) } });
    const headers = { 'SlashID-OrgID': org.orgId, 'SlashID-API-Key': org.apiKey };
    const path = `/persons/${person.id}/attributes/${bucket}`;
    expect((await rest('PATCH', path, headers, { last: 1 })).status).toBe(204);
    const before = await footprint(person.id);
    const patched = await rest('PATCH', path, headers, { over: 1 });
    expect(patched.status).toBe(400);
    expect(patched.body).toEqual({
      meta: {},
      errors: [
        { httpcode: 400, message: expect.stringMatching(/^input\.attributes: the bucket "end_user_read_write"/) },
      ],
    });
    expect(patched.body.errors[0].message).toContain('at most 1000 keys');
    const put = await rest('PUT', path, headers, keys(1001));
    expect(put.status).toBe(400);
    expect(await footprint(person.id)).toEqual(before);
    expect(Object.keys(await storedBucket(person.id))).toHaveLength(1000);
    expect((await rest('PUT', path, headers, keys(1000))).status).toBe(204);
  });

  it('PACE PUT /attributes: at the bound 204, one key over 400 as JSON:API, nothing stored', async () => {
    const person = await createPerson(org.apiKey, { attributes: { [bucket]: keys(999) } });
    const token = await mintToken(org.apiKey, person.id);
    const headers = { authorization: `Bearer ${token}` };
    expect((await rest('PUT', '/attributes', headers, { last: 1 })).status).toBe(204);
    const before = await footprint(person.id);
    const refused = await rest('PUT', '/attributes', headers, { over: 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        status: '400',
        code: 'bad-user-input',
        detail: expect.stringContaining('the bucket "end_user_read_write" would hold 1001 keys; at most 1000'),
        source: { pointer: '/input/attributes' },
      }),
    ]);
    expect(await footprint(person.id)).toEqual(before);
  });
});
