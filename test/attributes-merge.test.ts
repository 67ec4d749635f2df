import { beforeAll, describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import {
  bucketDoc,
  createPerson,
  deleteAttributesDoc,
  merge,
  mergeDoc,
  readPerson,
  replaceDoc,
} from './helpers/persons.ts';

let org: { orgId: string; apiKey: string };
const bucket = 'end_user_read_write';

beforeAll(async () => {
  org = await newOrg('merge');
});

type Write = { person: { id: string; eTag: string }; attributes: Record<string, unknown> };

async function readBucket(personId: string, name = bucket): Promise<Record<string, unknown>> {
  const data = expectData(
    await gql<{ person: { bucket: Record<string, unknown> } }>(bucketDoc, { id: personId, name }, { auth: org.apiKey }),
  );
  return data.person.bucket;
}

describe('updatePersonAttributes (merge)', () => {
  it('sets the given keys and leaves every other key of the bucket (and other buckets) untouched', async () => {
    await createPerson(org.apiKey, {
      id: 'm1',
      attributes: { [bucket]: { a: 1, b: 2 }, end_user_read_only: { r: 1 } },
    });
    const result = await merge(org.apiKey, 'm1', bucket, { b: 'two', c: [3] });
    expect(result.attributes).toEqual({ a: 1, b: 'two', c: [3] });
    expect(await readBucket('m1')).toEqual({ a: 1, b: 'two', c: [3] });
    expect(await readBucket('m1', 'end_user_read_only')).toEqual({ r: 1 });
  });

  it('stores JSON null for a null value instead of deleting the key', async () => {
    await createPerson(org.apiKey, { id: 'm2', attributes: { [bucket]: { a: 1 } } });
    const result = await merge(org.apiKey, 'm2', bucket, { a: null });
    expect(result.attributes).toEqual({ a: null });
    expect(Object.keys(await readBucket('m2'))).toEqual(['a']);
  });

  it('gives the person a new eTag, returned in the payload', async () => {
    const person = await createPerson(org.apiKey, { id: 'm3' });
    const result = await merge(org.apiKey, 'm3', bucket, { a: 1 });
    expect(result.person.eTag).not.toBe(person.eTag);
    const after = await readPerson(org.apiKey, 'm3');
    expect(after?.eTag).toBe(result.person.eTag);
    expect(Date.parse(after?.updatedAt as string)).toBeGreaterThanOrEqual(Date.parse(person.updatedAt));
  });

  it('answers PRECONDITION_FAILED for a stale ifMatch and writes nothing; a current one works', async () => {
    const person = await createPerson(org.apiKey, { id: 'm4' });
    const first = expectData(
      await gql<{ updatePersonAttributes: Write }>(
        mergeDoc,
        { input: { personId: 'm4', bucket, attributes: { a: 1 }, ifMatch: person.eTag } },
        { auth: org.apiKey },
      ),
    ).updatePersonAttributes;
    for (const doc of [mergeDoc, replaceDoc]) {
      expectError(
        await gql(
          doc,
          { input: { personId: 'm4', bucket, attributes: { b: 2 }, ifMatch: person.eTag } },
          { auth: org.apiKey },
        ),
        'PRECONDITION_FAILED',
      );
    }
    expect(await readBucket('m4')).toEqual({ a: 1 });
    expect((await readPerson(org.apiKey, 'm4'))?.eTag).toBe(first.person.eTag);
  });

  it('lets exactly one of ten concurrent writers holding the same eTag win', async () => {
    const person = await createPerson(org.apiKey, { id: 'm5' });
    const responses = await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map((key) =>
        gql(
          mergeDoc,
          { input: { personId: 'm5', bucket, attributes: { [key]: 1 }, ifMatch: person.eTag } },
          { auth: org.apiKey },
        ),
      ),
    );
    const codes = responses.map((response) => response.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['OK', ...Array(9).fill('PRECONDITION_FAILED')]);
    expect(Object.keys(await readBucket('m5'))).toHaveLength(1);
  });

  it('keeps every key of 50 concurrent merges into one bucket', async () => {
    await createPerson(org.apiKey, { id: 'm6', attributes: { [bucket]: { existing: true } } });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gql(mergeDoc, { input: { personId: 'm6', bucket, attributes: { [`key${i}`]: i } } }, { auth: org.apiKey }),
      ),
    );
    for (const response of responses) expectData(response);
    const stored = await readBucket('m6');
    expect(Object.keys(stored)).toHaveLength(51);
    for (let i = 0; i < 50; i += 1) expect(stored[`key${i}`]).toBe(i);
  });

  it('writes any number of keys with the same number of statements (one multi-row upsert)', async () => {
    await createPerson(org.apiKey, { id: 'm7' });
    const one = await statementCounter.measure(() => merge(org.apiKey, 'm7', bucket, { a: 1 }));
    const many = await statementCounter.measure(() =>
      merge(org.apiKey, 'm7', bucket, Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]))),
    );
    expect(many.count).toBe(one.count);
    expect(many.statements.filter((sql) => /INSERT INTO "PersonAttribute"/.test(sql))).toHaveLength(1);
  });

  it('answers NOT_FOUND for an unknown person or bucket', async () => {
    await createPerson(org.apiKey, { id: 'm8' });
    expectError(
      await gql(mergeDoc, { input: { personId: 'ghost', bucket, attributes: { a: 1 } } }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
    expectError(
      await gql(mergeDoc, { input: { personId: 'm8', bucket: 'nope', attributes: { a: 1 } } }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
  });
});

describe('setPersonAttributes (replace)', () => {
  it('leaves exactly the given keys in the bucket and nothing else changes', async () => {
    await createPerson(org.apiKey, {
      id: 'r1',
      attributes: { [bucket]: { a: 1, b: 2 }, end_user_read_only: { keep: 1 } },
    });
    const data = expectData(
      await gql<{ setPersonAttributes: Write }>(
        replaceDoc,
        { input: { personId: 'r1', bucket, attributes: { b: 'B', c: 3 } } },
        { auth: org.apiKey },
      ),
    );
    expect(data.setPersonAttributes.attributes).toEqual({ b: 'B', c: 3 });
    expect(await readBucket('r1')).toEqual({ b: 'B', c: 3 });
    expect(await readBucket('r1', 'end_user_read_only')).toEqual({ keep: 1 });
    expectData(await gql(replaceDoc, { input: { personId: 'r1', bucket, attributes: {} } }, { auth: org.apiKey }));
    expect(await readBucket('r1')).toEqual({});
  });
});

describe('deletePersonAttributes', () => {
  it('removes the named keys, ignores unknown ones, and changes the eTag', async () => {
    const person = await createPerson(org.apiKey, { id: 'd1', attributes: { [bucket]: { a: 1, b: 2, c: 3 } } });
    const data = expectData(
      await gql<{ deletePersonAttributes: Write }>(
        deleteAttributesDoc,
        { input: { personId: 'd1', bucket, names: ['a', 'c', 'never'] } },
        { auth: org.apiKey },
      ),
    );
    expect(data.deletePersonAttributes.attributes).toEqual({ b: 2 });
    expect(data.deletePersonAttributes.person.eTag).not.toBe(person.eTag);
    expect(await readBucket('d1')).toEqual({ b: 2 });
    expectError(
      await gql(deleteAttributesDoc, { input: { personId: 'ghost', bucket, names: ['b'] } }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
    expectError(
      await gql(deleteAttributesDoc, { input: { personId: 'd1', bucket: 'nope', names: ['b'] } }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
  });
});

describe('Person.attributes', () => {
  it('shows every bucket by default, only the requested ones when asked, and NOT_FOUND for an unknown one', async () => {
    await createPerson(org.apiKey, { id: 'p1', attributes: { end_user_no_access: { secret: 1 } } });
    const query = 'query P($id: ID!, $buckets: [String!]) { person(id: $id) { attributes(buckets: $buckets) } }';
    const all = expectData(await gql<{ person: { attributes: unknown } }>(query, { id: 'p1' }, { auth: org.apiKey }));
    expect(all.person.attributes).toEqual({
      end_user_no_access: { secret: 1 },
      end_user_read_only: {},
      end_user_read_write: {},
    });
    const some = expectData(
      await gql<{ person: { attributes: unknown } }>(
        query,
        { id: 'p1', buckets: ['end_user_read_only'] },
        { auth: org.apiKey },
      ),
    );
    expect(some.person.attributes).toEqual({ end_user_read_only: {} });
    expectError(await gql(query, { id: 'p1', buckets: ['unknown'] }, { auth: org.apiKey }), 'NOT_FOUND');
    expectError(await gql(bucketDoc, { id: 'p1', name: 'unknown' }, { auth: org.apiKey }), 'NOT_FOUND');
  });
});
