import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  bucketDoc,
  createPerson,
  createPersonDoc,
  deleteAttributesDoc,
  issuePaths,
  mergeDoc,
  mintToken,
  readPerson,
  replaceDoc,
  updateMyDoc,
} from './helpers/persons.ts';

let org: { orgId: string; apiKey: string };
const bucket = 'end_user_read_write';

beforeAll(async () => {
  org = await newOrg('rules');
  await createPerson(org.apiKey, { id: 'ada' });
});

const mergeAda = (attributes: Record<string, unknown>) =>
  gql(mergeDoc, { input: { personId: 'ada', bucket, attributes } }, { auth: org.apiKey });

async function readBucket(): Promise<Record<string, unknown>> {
  const data = expectData(
    await gql<{ person: { bucket: Record<string, unknown> } }>(
      bucketDoc,
      { id: 'ada', name: bucket },
      { auth: org.apiKey },
    ),
  );
  return data.person.bucket;
}

/** Expects BAD_USER_INPUT with exactly these issue paths, and that nothing was stored or versioned. */
async function expectRefused(response: Awaited<ReturnType<typeof gql>>, paths: string[][]) {
  expectError(response, 'BAD_USER_INPUT');
  expect(issuePaths(response)).toEqual(paths);
}

describe('attribute names', () => {
  it('counts UTF-8 bytes: 70 pass, 71 fail, multibyte names included', async () => {
    const atLimit = ['n'.repeat(70), 'é'.repeat(35), `${'😀'.repeat(17)}ab`, `${'€'.repeat(23)}a`];
    for (const name of atLimit) expect(Buffer.byteLength(name)).toBe(70);
    expectData(await mergeAda(Object.fromEntries(atLimit.map((name) => [name, true]))));
    expect(Object.keys(await readBucket()).sort()).toEqual([...atLimit].sort());

    const overLimit = ['n'.repeat(71), `${'é'.repeat(35)}a`, '😀'.repeat(18), '€'.repeat(24)];
    for (const name of overLimit) expect(Buffer.byteLength(name)).toBeGreaterThanOrEqual(71);
    const before = await readPerson(org.apiKey, 'ada');
    const response = await mergeAda(Object.fromEntries([['fine', 1], ...overLimit.map((name) => [name, true])]));
    await expectRefused(
      response,
      overLimit.map((name) => ['input', 'attributes', name]),
    );
    expect(await readBucket()).not.toHaveProperty('fine');
    expect((await readPerson(org.apiKey, 'ada'))?.eTag).toBe(before?.eTag);
  });

  it('refuses the empty name and the reserved names __proto__, constructor, prototype', async () => {
    const attributes = JSON.parse('{"": 1, "__proto__": 1, "constructor": 2, "prototype": 3, "ok": 4}');
    await expectRefused(await mergeAda(attributes), [
      ['input', 'attributes', ''],
      ['input', 'attributes', '__proto__'],
      ['input', 'attributes', 'constructor'],
      ['input', 'attributes', 'prototype'],
    ]);
    expect(await readBucket()).not.toHaveProperty('ok');
  });

  it('refuses NUL and lone surrogates in names and values, wherever they are', async () => {
    const response = await mergeAda({
      'a\u0000b': 1,
      'lone\ud800': 1,
      nulValue: 'x\u0000',
      deep: { list: ['\udc00'] },
    });
    expectError(response, 'BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual(
      expect.arrayContaining([
        ['input', 'attributes', 'a\u0000b'],
        ['input', 'attributes', 'lone\ud800'],
        ['input', 'attributes', 'nulValue'],
      ]),
    );
    expect(issuePaths(response).some((path) => path.slice(0, 3).join('/') === 'input/attributes/deep')).toBe(true);
    expect(await readBucket()).not.toHaveProperty('nulValue');
  });

  it('refuses bad names in deletePersonAttributes', async () => {
    const response = await gql(
      deleteAttributesDoc,
      { input: { personId: 'ada', bucket, names: ['ok', 'x'.repeat(71), '__proto__'] } },
      { auth: org.apiKey },
    );
    await expectRefused(response, [
      ['input', 'names', '1'],
      ['input', 'names', '2'],
    ]);
  });
});

describe('attribute values', () => {
  it('accepts a value of exactly 65,536 serialized bytes and refuses 65,537 (multibyte and escapes counted)', async () => {
    const ascii = 'x'.repeat(65_534);
    const multibyte = 'é'.repeat(32_767);
    const escaped = `${'"'.repeat(10)}${'x'.repeat(65_514)}`;
    const object = { k: 'y'.repeat(65_536 - '{"k":""}'.length) };
    for (const value of [ascii, multibyte, escaped, object]) {
      expect(Buffer.byteLength(JSON.stringify(value))).toBe(65_536);
      expectData(await mergeAda({ big: value }));
      expect((await readBucket()).big).toEqual(value);
    }
    for (const value of [`${ascii}x`, `${multibyte}a`, `${escaped}x`, { k: `${object.k}y` }]) {
      expect(Buffer.byteLength(JSON.stringify(value))).toBe(65_537);
      await expectRefused(await mergeAda({ big: value, other: 1 }), [['input', 'attributes', 'big']]);
    }
  });

  it('accepts nesting depth 32 and refuses 33, for arrays and objects', async () => {
    const nest = (depth: number, wrap: (inner: unknown) => unknown) => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i += 1) value = wrap(value);
      return value;
    };
    const arrays32 = nest(32, (inner) => [inner]);
    const objects32 = nest(32, (inner) => ({ a: inner }));
    expectData(await mergeAda({ arrays32, objects32 }));
    const stored = await readBucket();
    expect(stored.arrays32).toEqual(arrays32);
    expect(stored.objects32).toEqual(objects32);
    await expectRefused(
      await mergeAda({ arrays33: nest(33, (inner) => [inner]), objects33: nest(33, (inner) => ({ a: inner })) }),
      [
        ['input', 'attributes', 'arrays33'],
        ['input', 'attributes', 'objects33'],
      ],
    );
    // An empty container at the deepest level counts as one level too.
    expectData(await mergeAda({ empty32: nest(31, (inner) => [inner === 1 ? [] : inner]) }));
  });

  it('refuses integers outside ±(2^53−1) and keeps the largest safe ones exactly', async () => {
    expectData(await mergeAda({ max: 9_007_199_254_740_991, min: -9_007_199_254_740_991 }));
    const stored = await readBucket();
    expect(stored.max).toBe(9_007_199_254_740_991);
    expect(stored.min).toBe(-9_007_199_254_740_991);
    // Sent as raw JSON text so the numbers reach the server exactly as written.
    const response = await fetchRaw(
      `{"query":${JSON.stringify(mergeDoc)},"variables":{"input":{"personId":"ada","bucket":"${bucket}","attributes":{"over":9007199254740992,"under":-9007199254740993,"nested":[1,{"x":123456789012345678901234567890}]}}}}`,
    );
    await expectRefused(response, [
      ['input', 'attributes', 'over'],
      ['input', 'attributes', 'under'],
      ['input', 'attributes', 'nested'],
    ]);
  });

  it('gives back every kind of JSON value exactly as sent', async () => {
    const values = {
      bigSafe: 9_007_199_254_740_991,
      negative: -42,
      float: 1.5e-7,
      zero: 0,
      unicode: 'héllo 😀 中文 \u2028 \u00a0 "quoted" \\ /',
      nestedArrays: [[1, [2, [3, []]]], [], [null, true, false]],
      object: { __proto__: 'not special inside values', constructor: 1, deeper: { list: [{ a: 'b' }] } },
      nothing: null,
      yes: true,
      empty: '',
      emptyObject: {},
    };
    // Built from JSON text so "__proto__" is an own key, as a client would send it.
    const sent = JSON.parse(
      JSON.stringify(values).replace('"object":{', '"object":{"__proto__":"not special inside values",'),
    );
    const merged = expectData(
      await gql<{ updatePersonAttributes: { attributes: Record<string, unknown> } }>(
        mergeDoc,
        { input: { personId: 'ada', bucket: 'end_user_read_only', attributes: sent } },
        { auth: org.apiKey },
      ),
    );
    expect(merged.updatePersonAttributes.attributes).toEqual(sent);
    const read = expectData(
      await gql<{ person: { bucket: Record<string, unknown> } }>(
        bucketDoc,
        { id: 'ada', name: 'end_user_read_only' },
        { auth: org.apiKey },
      ),
    );
    expect(read.person.bucket).toEqual(sent);
    expect(Object.hasOwn(read.person.bucket.object as object, '__proto__')).toBe(true);
    expect(read.person.bucket.nothing).toBeNull();
    // The stored text is the value's own serialization.
    const row = await db.personAttribute.findUniqueOrThrow({
      where: {
        orgId_personId_bucket_name: {
          orgId: org.orgId,
          personId: 'ada',
          bucket: 'end_user_read_only',
          name: 'bigSafe',
        },
      },
    });
    expect(row.value).toBe('9007199254740991');
  });

  it('reports every offence of one input at once, and stores nothing', async () => {
    const response = await mergeAda({ good: 1, ['x'.repeat(71)]: 1, __bad: 2 ** 60, prototype: 1 });
    await expectRefused(response, [
      ['input', 'attributes', 'x'.repeat(71)],
      ['input', 'attributes', '__bad'],
      ['input', 'attributes', 'prototype'],
    ]);
    expect(await readBucket()).not.toHaveProperty('good');
  });

  it('applies the same rules with the bucket in the path on createPerson, and on replace and end-user writes', async () => {
    const create = await gql(
      createPersonDoc,
      {
        input: {
          id: 'c1',
          attributes: { end_user_read_write: { ['n'.repeat(71)]: 1 }, Bad_Bucket: {}, end_user_read_only: 5 },
        },
      },
      { auth: org.apiKey },
    );
    await expectRefused(create, [
      ['input', 'attributes', 'end_user_read_write', 'n'.repeat(71)],
      ['input', 'attributes', 'Bad_Bucket'],
      ['input', 'attributes', 'end_user_read_only'],
    ]);
    expect(await readPerson(org.apiKey, 'c1')).toBeNull();

    const replace = await gql(
      replaceDoc,
      { input: { personId: 'ada', bucket, attributes: { constructor: 1 } } },
      { auth: org.apiKey },
    );
    await expectRefused(replace, [['input', 'attributes', 'constructor']]);

    const token = await mintToken(org.apiKey, 'ada');
    const mine = await gql(
      updateMyDoc,
      { input: { attributes: { ['é'.repeat(36)]: 1, ok: 'x'.repeat(65_535) } } },
      { auth: token },
    );
    await expectRefused(mine, [
      ['input', 'attributes', 'é'.repeat(36)],
      ['input', 'attributes', 'ok'],
    ]);
  });

  it('refuses a bucket name that breaks the pattern with its path', async () => {
    await expectRefused(
      await gql(mergeDoc, { input: { personId: 'ada', bucket: 'NoSuch', attributes: {} } }, { auth: org.apiKey }),
      [['input', 'bucket']],
    );
    await expectRefused(await gql(bucketDoc, { id: 'ada', name: 'x'.repeat(65) }, { auth: org.apiKey }), [['name']]);
  });
});

async function fetchRaw(body: string) {
  const { yoga } = await import('../src/server.ts');
  const response = await yoga.fetch('http://attrql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
    body,
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) } as Awaited<
    ReturnType<typeof gql>
  >;
}
