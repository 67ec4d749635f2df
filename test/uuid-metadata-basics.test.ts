import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { statementCounter } from '../src/db/statement-counter.ts';
import { onPostgres } from './helpers/database.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { waitFor } from './helpers/processes.ts';
import { getMetadata, removeMutation, sendSet, setMetadata } from './helpers/uuid-metadata.ts';

let org: { orgId: string; apiKey: string };
let other: { orgId: string; apiKey: string };

const personRow = (orgId: string, id: string) => db.person.findUnique({ where: { orgId_id: { orgId, id } } });
const remove = (auth: string, uuid: string) => gql(removeMutation, { input: { uuid } }, { auth });

beforeAll(async () => {
  org = await newOrg('acme');
  other = await newOrg('globex');
});

describe('setUuidMetadata upsert', () => {
  it('creates an unknown uuid as a new REGULAR, active person together with its metadata', async () => {
    const before = Date.now();
    const meta = await setMetadata(org.apiKey, {
      uuid: 'ada',
      name: 'Ada Lovelace',
      externalId: 'ext-1',
      profileUrl: 'https://cdn.example.com/ada.png',
      email: 'ada@example.io',
      type: 'admin',
      status: 'online',
      custom: { team: 'engines', level: 3, ok: true, ratio: 0.5 },
    });
    expect(meta).toMatchObject({
      id: 'ada',
      name: 'Ada Lovelace',
      externalId: 'ext-1',
      profileUrl: 'https://cdn.example.com/ada.png',
      email: 'ada@example.io',
      type: 'admin',
      status: 'online',
      custom: { team: 'engines', level: 3, ok: true, ratio: 0.5 },
    });
    expect(meta.eTag).toMatch(/^[\w-]{20,}$/);
    expect(new Date(meta.updated).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(meta.updated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const person = await personRow(org.orgId, 'ada');
    expect(person).toMatchObject({ active: true, personType: 'REGULAR' });
    expect(await getMetadata(org.apiKey, 'ada')).toEqual(meta);
    const viaPerson = expectData(
      await gql<{ person: { id: string; active: boolean; personType: string; uuidMetadata: unknown } }>(
        'query($id: ID!) { person(id: $id) { id active personType uuidMetadata { id name eTag updated custom } } }',
        { id: 'ada' },
        { auth: org.apiKey },
      ),
    );
    expect(viaPerson.person).toEqual({
      id: 'ada',
      active: true,
      personType: 'REGULAR',
      uuidMetadata: { id: 'ada', name: 'Ada Lovelace', eTag: meta.eTag, updated: meta.updated, custom: meta.custom },
    });
  });

  it('creates metadata with every field null when only the uuid is given', async () => {
    const meta = await setMetadata(org.apiKey, { uuid: 'bare' });
    expect(meta).toMatchObject({
      id: 'bare',
      name: null,
      externalId: null,
      profileUrl: null,
      email: null,
      type: null,
      status: null,
      custom: null,
    });
  });

  it('keeps omitted fields, clears explicit nulls and replaces custom whole', async () => {
    await setMetadata(org.apiKey, {
      uuid: 'grace',
      name: 'Grace',
      email: 'grace@example.io',
      type: 't',
      status: 's',
      custom: { a: 'x', b: 1 },
    });
    const changed = await setMetadata(org.apiKey, { uuid: 'grace', email: null, custom: { c: false } });
    expect(changed).toMatchObject({ name: 'Grace', email: null, type: 't', status: 's', custom: { c: false } });
    expect(await getMetadata(org.apiKey, 'grace')).toEqual(changed);

    const cleared = await setMetadata(org.apiKey, { uuid: 'grace', custom: null, name: null });
    expect(cleared).toMatchObject({ name: null, email: null, type: 't', status: 's', custom: null });

    const empty = await setMetadata(org.apiKey, { uuid: 'grace', custom: {} });
    expect(empty.custom).toEqual({});
    expect(empty.eTag).not.toBe(cleared.eTag);
  });

  it('writes onto a person created by createPerson and keeps its other fields', async () => {
    expectData(
      await gql(
        'mutation { createPerson(input: { id: "linus", active: false, personType: ANONYMOUS, region: ASIA_JAPAN }) { person { id } } }',
        {},
        { auth: org.apiKey },
      ),
    );
    const before = await personRow(org.orgId, 'linus');
    expect(await getMetadata(org.apiKey, 'linus')).toBeNull();
    await setMetadata(org.apiKey, { uuid: 'linus', name: 'Linus' });
    const after = await personRow(org.orgId, 'linus');
    expect(after).toMatchObject({ active: false, personType: 'ANONYMOUS', region: 'ASIA_JAPAN' });
    expect(after?.eTag).not.toBe(before?.eTag);
  });
});

/** Waits until the clock has moved past an ISO timestamp. */
const clockPast = (iso: string) =>
  waitFor(`the clock to pass ${iso}`, () => Date.now() > Date.parse(iso), { intervalMs: 1 });

describe('eTag, a content fingerprint', () => {
  it('keeps eTag, updated and the person eTag when a write changes nothing', async () => {
    const first = await setMetadata(org.apiKey, { uuid: 'same', name: 'Same', custom: { a: 1, b: 'two' } });
    const personBefore = await personRow(org.orgId, 'same');
    await clockPast(first.updated); // so that a wrongly updated timestamp would differ
    const again = await setMetadata(org.apiKey, { uuid: 'same', name: 'Same', custom: { b: 'two', a: 1 } });
    expect(again).toEqual(first);
    const omitted = await setMetadata(org.apiKey, { uuid: 'same' });
    expect(omitted).toEqual(first);
    const withIfMatch = await setMetadata(org.apiKey, { uuid: 'same', name: 'Same', ifMatch: first.eTag });
    expect(withIfMatch).toEqual(first);
    const personAfter = await personRow(org.orgId, 'same');
    expect(personAfter?.eTag).toBe(personBefore?.eTag);
    expect(personAfter?.updatedAt.getTime()).toBe(personBefore?.updatedAt.getTime());
  });

  it('gives a new eTag, a later `updated` and a new person eTag on any real change', async () => {
    const first = await setMetadata(org.apiKey, { uuid: 'change', name: 'A', custom: { n: 1 } });
    const seen = new Set([first.eTag]);
    let previous = first;
    for (const change of [
      { name: 'B' },
      { externalId: 'x' },
      { profileUrl: 'https://x.io/p' },
      { email: 'a@x.io' },
      { type: 'T' },
      { status: 'S' },
      { custom: { n: 2 } },
      { custom: { n: '2' } },
      { custom: null },
      { name: null },
    ]) {
      const personBefore = await personRow(org.orgId, 'change');
      await clockPast(previous.updated); // timestamps have millisecond resolution
      const next = await setMetadata(org.apiKey, { uuid: 'change', ...change });
      expect(seen.has(next.eTag), JSON.stringify(change)).toBe(false);
      seen.add(next.eTag);
      expect(new Date(next.updated).getTime()).toBeGreaterThan(new Date(previous.updated).getTime());
      expect((await personRow(org.orgId, 'change'))?.eTag).not.toBe(personBefore?.eTag);
      previous = next;
    }
  });

  it('gives equal content the same eTag, whichever uuid holds it', async () => {
    const a = await setMetadata(org.apiKey, { uuid: 'twin-a', name: 'Twin', custom: { k: 'v' } });
    const b = await setMetadata(org.apiKey, { uuid: 'twin-b', name: 'Twin', custom: { k: 'v' } });
    expect(a.eTag).toBe(b.eTag);
  });

  it('records an update with the write itself on PostgreSQL: one statement fewer than a write and a log entry', async () => {
    const count = async (input: Record<string, unknown>) => {
      const { result, count } = await statementCounter.measure(() => setMetadata(org.apiKey, input));
      expect(result.name).toBe(input.name);
      return count;
    };
    await setMetadata(org.apiKey, { uuid: 'statements', name: 'A' });
    const update = await count({ uuid: 'statements', name: 'B' }); // UPDATE … WHERE eTag, and its change
    expectData(await remove(org.apiKey, 'statements'));
    const insert = await count({ uuid: 'statements', name: 'C' }); // INSERT of the metadata, and its change
    expect(update).toBe(onPostgres ? insert - 1 : insert);
  });
});

describe('ifMatch', () => {
  it('writes when ifMatch is the current eTag', async () => {
    const first = await setMetadata(org.apiKey, { uuid: 'cond', name: 'v1' });
    const second = await setMetadata(org.apiKey, { uuid: 'cond', name: 'v2', ifMatch: first.eTag });
    expect(second.name).toBe('v2');
    expect(second.eTag).not.toBe(first.eTag);
  });

  it('answers PRECONDITION_FAILED for a stale eTag and writes nothing', async () => {
    const first = await setMetadata(org.apiKey, { uuid: 'stale', name: 'v1', custom: { a: 1 } });
    const second = await setMetadata(org.apiKey, { uuid: 'stale', name: 'v2' });
    const personBefore = await personRow(org.orgId, 'stale');
    const response = await sendSet(org.apiKey, { uuid: 'stale', name: 'v3', custom: null, ifMatch: first.eTag });
    expectError(response, 'PRECONDITION_FAILED');
    expect(response.data).toBeNull();
    expect(await getMetadata(org.apiKey, 'stale')).toEqual(second);
    expect((await personRow(org.orgId, 'stale'))?.eTag).toBe(personBefore?.eTag);
    expectError(await sendSet(org.apiKey, { uuid: 'stale', ifMatch: '' }), 'PRECONDITION_FAILED');
  });

  it('answers PRECONDITION_FAILED for a uuid that does not exist, and creates nothing', async () => {
    const response = await sendSet(org.apiKey, { uuid: 'ghost', name: 'Ghost', ifMatch: 'anything' });
    expectError(response, 'PRECONDITION_FAILED');
    expect(await personRow(org.orgId, 'ghost')).toBeNull();
    expect(await db.uuidMetadata.count({ where: { orgId: org.orgId, personId: 'ghost' } })).toBe(0);
  });

  it('answers PRECONDITION_FAILED for a person without metadata, and creates none', async () => {
    expectData(
      await gql('mutation { createPerson(input: { id: "plain" }) { person { id } } }', {}, { auth: org.apiKey }),
    );
    const personBefore = await personRow(org.orgId, 'plain');
    expectError(await sendSet(org.apiKey, { uuid: 'plain', name: 'P', ifMatch: 'x' }), 'PRECONDITION_FAILED');
    expect(await getMetadata(org.apiKey, 'plain')).toBeNull();
    expect((await personRow(org.orgId, 'plain'))?.eTag).toBe(personBefore?.eTag);
  });

  it('treats ifMatch: null as no condition', async () => {
    const meta = await setMetadata(org.apiKey, { uuid: 'nullmatch', name: 'N', ifMatch: null });
    expect(meta.name).toBe('N');
  });
});

describe('removeUuidMetadata', () => {
  it('clears the metadata only: the person and its other data stay, and its eTag changes', async () => {
    await setMetadata(org.apiKey, { uuid: 'rm', name: 'Remove me', custom: { a: 1 } });
    await db.personAttribute.create({
      data: { orgId: org.orgId, personId: 'rm', bucket: 'end_user_read_write', name: 'color', value: '"blue"' },
    });
    const personBefore = await personRow(org.orgId, 'rm');
    const data = expectData(await remove(org.apiKey, 'rm'));
    expect(data).toEqual({ removeUuidMetadata: { uuid: 'rm' } });
    expect(await getMetadata(org.apiKey, 'rm')).toBeNull();
    const personAfter = await personRow(org.orgId, 'rm');
    expect(personAfter).toMatchObject({ active: true, personType: 'REGULAR' });
    expect(personAfter?.eTag).not.toBe(personBefore?.eTag);
    expect(await db.personAttribute.count({ where: { orgId: org.orgId, personId: 'rm' } })).toBe(1);

    // Set again: the fields removed before do not come back.
    const again = await setMetadata(org.apiKey, { uuid: 'rm', email: 'rm@x.io' });
    expect(again).toMatchObject({ name: null, custom: null, email: 'rm@x.io' });
  });

  it('answers NOT_FOUND for an unknown uuid', async () => {
    const response = await remove(org.apiKey, 'nobody');
    expectError(response, 'NOT_FOUND');
    expect(response.data).toBeNull();
    expect(await personRow(org.orgId, 'nobody')).toBeNull();
  });

  it('leaves a person without metadata exactly as it is', async () => {
    expectData(
      await gql('mutation { createPerson(input: { id: "nometa" }) { person { id } } }', {}, { auth: org.apiKey }),
    );
    const before = await personRow(org.orgId, 'nometa');
    expect(expectData(await remove(org.apiKey, 'nometa'))).toEqual({ removeUuidMetadata: { uuid: 'nometa' } });
    expect(await personRow(org.orgId, 'nometa')).toEqual(before);
  });
});

describe('organizations', () => {
  it('keeps two organizations’ persons with the same uuid apart, and never touches the other one', async () => {
    const mine = await setMetadata(org.apiKey, { uuid: 'shared', name: 'Acme’s', custom: { org: 'acme' } });
    const minePerson = await personRow(org.orgId, 'shared');

    expect(await getMetadata(other.apiKey, 'shared')).toBeNull();
    expectError(await remove(other.apiKey, 'shared'), 'NOT_FOUND');
    expectError(await sendSet(other.apiKey, { uuid: 'shared', name: 'X', ifMatch: mine.eTag }), 'PRECONDITION_FAILED');
    expect(await personRow(other.orgId, 'shared')).toBeNull();

    const theirs = await setMetadata(other.apiKey, { uuid: 'shared', name: 'Globex’s' });
    expect(theirs).toMatchObject({ id: 'shared', name: 'Globex’s', custom: null });
    expect(await personRow(other.orgId, 'shared')).toMatchObject({ personType: 'REGULAR', active: true });
    expectData(await remove(other.apiKey, 'shared'));

    expect(await getMetadata(org.apiKey, 'shared')).toEqual(mine);
    expect(await personRow(org.orgId, 'shared')).toEqual(minePerson);
  });
});

describe('access', () => {
  it('refuses a person token with FORBIDDEN for the three operations, and writes nothing', async () => {
    await setMetadata(org.apiKey, { uuid: 'tok', name: 'Token holder' });
    const minted = expectData(
      await gql<{ mintPersonToken: { token: string } }>(
        'mutation { mintPersonToken(input: { personId: "tok", scopes: ["user:attributes:read", "user:attributes:write"] }) { token } }',
        {},
        { auth: org.apiKey },
      ),
    );
    const token = minted.mintPersonToken.token;
    expectError(await sendSet(token, { uuid: 'tok', name: 'Hacked' }), 'FORBIDDEN');
    expectError(await remove(token, 'tok'), 'FORBIDDEN');
    expectError(
      await gql('query($uuid: ID!) { uuidMetadata(uuid: $uuid) { id } }', { uuid: 'tok' }, { auth: token }),
      'FORBIDDEN',
    );
    expect((await getMetadata(org.apiKey, 'tok'))?.name).toBe('Token holder');
    // The person may read their own metadata through `me`.
    const me = expectData(
      await gql<{ me: { uuidMetadata: { name: string } } }>('{ me { uuidMetadata { name } } }', {}, { auth: token }),
    );
    expect(me.me.uuidMetadata.name).toBe('Token holder');
  });
});

describe('batching', () => {
  const aliases = (count: number, field: (i: number) => string) =>
    `{ ${Array.from({ length: count }, (_, i) => `m${i}: ${field(i)}`).join(' ')} }`;

  it('loads Person.uuidMetadata and uuidMetadata with one statement per batch, however many are asked', async () => {
    for (let i = 0; i < 10; i += 1) await setMetadata(org.apiKey, { uuid: `batch-${i}`, name: `B${i}` });
    const personQuery = (count: number) =>
      aliases(count, (i) => `person(id: "batch-${i}") { id uuidMetadata { name } }`);
    const metaQuery = (count: number) => aliases(count, (i) => `uuidMetadata(uuid: "batch-${i}") { name }`);

    const countOf = async (query: string) => {
      const { result, count } = await statementCounter.measure(() => gql(query, {}, { auth: org.apiKey }));
      expectData(result);
      return { count, data: result.data as Record<string, unknown> };
    };
    const oneMeta = await countOf(metaQuery(1));
    const tenMeta = await countOf(metaQuery(10));
    expect(tenMeta.count).toBe(oneMeta.count);
    expect(tenMeta.data.m9).toEqual({ name: 'B9' });

    const onePerson = await countOf(personQuery(1));
    const tenPersons = await countOf(personQuery(10));
    expect(tenPersons.count).toBe(onePerson.count);
    expect(onePerson.count - oneMeta.count).toBe(1); // the persons batch
    expect(tenPersons.data.m3).toEqual({ id: 'batch-3', uuidMetadata: { name: 'B3' } });
  });
});
