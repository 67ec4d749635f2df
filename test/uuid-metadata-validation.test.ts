import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { expectIssues, getQuery, removeMutation, sendSet, setMetadata } from './helpers/uuid-metadata.ts';

let org: { orgId: string; apiKey: string };
let counter = 0;
/** A fresh, valid uuid per case, so one case's write never satisfies another's. */
const fresh = () => {
  counter += 1;
  return `v-${counter}`;
};

const personCount = (id: string) => db.person.count({ where: { orgId: org.orgId, id } });

beforeAll(async () => {
  org = await newOrg('acme');
});

/** The field accepts `value`: the write succeeds and reads back the same. */
async function accepts(field: string, value: unknown) {
  const uuid = fresh();
  const meta = await setMetadata(org.apiKey, { uuid, [field]: value });
  expect((meta as unknown as Record<string, unknown>)[field]).toEqual(value);
}

/** The field refuses `value` with BAD_USER_INPUT at ["input", field, ...rest], and nothing is created. */
async function refuses(field: string, value: unknown, rest: string[] = []) {
  const uuid = fresh();
  const response = await sendSet(org.apiKey, { uuid, [field]: value });
  expectIssues(response, [['input', field, ...rest]]);
  expect(response.data).toBeNull();
  expect(await personCount(uuid)).toBe(0);
}

describe('uuid', () => {
  it('accepts 92 characters and refuses 93, counting code points', async () => {
    for (const unit of ['a', '😀', 'é']) {
      const ok = unit.repeat(92);
      expect((await setMetadata(org.apiKey, { uuid: ok })).id).toBe(ok);
      const tooLong = unit.repeat(93);
      expectIssues(await sendSet(org.apiKey, { uuid: tooLong }), [['input', 'uuid']]);
      expect(await personCount(tooLong)).toBe(0);
    }
  });

  it('refuses an empty uuid', async () => {
    expectIssues(await sendSet(org.apiKey, { uuid: '' }), [['input', 'uuid']]);
  });

  it('refuses each prohibited character, "channel", control characters, U+0000 and lone surrogates', async () => {
    const bad = [
      'a,b',
      'a/b',
      'a\\b',
      'a*b',
      'a:b',
      'mychannel',
      'channel',
      'a\u0001b',
      'a\tb',
      'a\nb',
      'a\u001fb',
      'a\u007fb',
      'a\u0085b',
      'a\u0000b',
      'a\ud800b',
    ];
    // Counted for the whole org: PostgreSQL cannot even be asked about an id holding U+0000.
    const before = await db.person.count({ where: { orgId: org.orgId } });
    for (const uuid of bad) {
      const response = await sendSet(org.apiKey, { uuid, name: 'x' });
      expectIssues(response, [['input', 'uuid']]);
    }
    expect(await db.person.count({ where: { orgId: org.orgId } })).toBe(before);
  });

  it('accepts "Channel" (the ban is case-sensitive) and other punctuation', async () => {
    for (const uuid of ['Channel', 'CHANNEL-1', 'user.1_2-3@x+y=z', 'üser 1']) {
      expect((await setMetadata(org.apiKey, { uuid })).id).toBe(uuid);
    }
  });

  it('validates the uuid of uuidMetadata and removeUuidMetadata too', async () => {
    const query = await gql(getQuery, { uuid: 'a:b' }, { auth: org.apiKey });
    expectIssues(query, [['uuid']]);
    expectIssues(await gql(getQuery, { uuid: 'x'.repeat(93) }, { auth: org.apiKey }), [['uuid']]);
    expectIssues(await gql(removeMutation, { input: { uuid: 'a/channel' } }, { auth: org.apiKey }), [
      ['input', 'uuid'],
    ]);
    expectIssues(await gql(removeMutation, { input: { uuid: '' } }, { auth: org.apiKey }), [['input', 'uuid']]);
    expect(expectData(await gql(getQuery, { uuid: 'x'.repeat(92) }, { auth: org.apiKey }))).toEqual({
      uuidMetadata: null,
    });
  });
});

describe('name', () => {
  it('accepts 2048 characters and refuses 2049, counting code points', async () => {
    await accepts('name', 'n'.repeat(2048));
    await accepts('name', '🙂'.repeat(2048));
    await refuses('name', 'n'.repeat(2049));
    await refuses('name', '🙂'.repeat(2049));
  });

  it('refuses an empty or whitespace-only name, accepts a name with inner spaces, and null clears it', async () => {
    await refuses('name', '');
    for (const blank of [' ', '   ', '\t\n', '\u00a0\u2003']) await refuses('name', blank);
    await accepts('name', ' Ada  Lovelace ');
    await accepts('name', null);
  });
});

describe('externalId', () => {
  it('accepts 2048 characters and refuses 2049', async () => {
    await accepts('externalId', 'e'.repeat(2048));
    await refuses('externalId', 'e'.repeat(2049));
    await accepts('externalId', null);
  });
});

describe('profileUrl', () => {
  it('accepts absolute RFC 3986 URIs', async () => {
    for (const url of [
      'https://cdn.example.com/u/ada.png?size=64#top',
      'http://example.com',
      'http://[::1]:8080/a.png',
      'https://user:pw@x.io:443/%E2%9C%93/a~b_c.png',
      'urn:isbn:0451450523',
      'mailto:ada@example.io',
      'data:image/png;base64,iVBORw0KGgo=',
      'ftp://192.168.0.1/file',
    ]) {
      await accepts('profileUrl', url);
    }
  });

  it('refuses relative references and strings outside the URI syntax', async () => {
    for (const url of [
      '/img/ada.png',
      'ada.png',
      '//cdn.example.com/ada.png',
      '?size=64',
      '#top',
      '',
      'https://x.io/a b.png',
      'https://x.io/ü.png',
      'https://x.io/%zz',
      'https://x.io/a|b',
      '1http://x.io',
      'C:\\images\\ada.png',
    ]) {
      await refuses('profileUrl', url);
    }
  });

  it('accepts 2048 characters and refuses 2049', async () => {
    const prefix = 'https://x.io/';
    await accepts('profileUrl', prefix + 'p'.repeat(2048 - prefix.length));
    await refuses('profileUrl', prefix + 'p'.repeat(2049 - prefix.length));
  });
});

describe('email', () => {
  it('accepts 320 characters and refuses 321', async () => {
    const domain = '@example.io';
    await accepts('email', 'a'.repeat(320 - domain.length) + domain);
    await refuses('email', 'a'.repeat(321 - domain.length) + domain);
  });

  it('accepts addr-specs, quoted local parts, domain literals and UTF-8 (RFC 6532)', async () => {
    for (const email of [
      'ada@example.io',
      'ada.lovelace+tag@mail.example.io',
      "o'brien!#$%&*/=?^_`{|}~-@x.io",
      '"ada lovelace"@example.io',
      'ada@[127.0.0.1]',
      'ünïcode@bücher.de',
      'ada@localhost',
    ]) {
      await accepts('email', email);
    }
  });

  it('refuses display-name forms and malformed addresses', async () => {
    for (const email of [
      'Ada <ada@x.io>',
      '"Ada Lovelace" <ada@x.io>',
      '<ada@x.io>',
      'ada@x.io (Ada)',
      'ada',
      'ada@',
      '@x.io',
      'ada@@x.io',
      'ada @x.io',
      'ada.@x.io',
      '.ada@x.io',
      'a..b@x.io',
      'ada@x..io',
      'ada@x.io.',
      '',
      'ada,bob@x.io',
    ]) {
      await refuses('email', email);
    }
  });
});

describe('type and status', () => {
  it('accept 50 characters and refuse 51', async () => {
    for (const field of ['type', 'status']) {
      await accepts(field, 't'.repeat(50));
      await accepts(field, '𝒯'.repeat(50));
      await refuses(field, 't'.repeat(51));
      await accepts(field, null);
    }
  });
});

describe('custom', () => {
  it('accepts a flat object of strings, booleans and numbers, and an empty object', async () => {
    await accepts('custom', { s: 'text', t: true, f: false, i: 42, neg: -7, x: 1.25, zero: 0, empty: '' });
    await accepts('custom', {});
  });

  it('refuses nested objects, arrays and null values, each at its own key', async () => {
    const uuid = fresh();
    const response = await sendSet(org.apiKey, {
      uuid,
      custom: { ok: 'fine', nested: { a: 1 }, list: [1, 2], nothing: null, emptyList: [] },
    });
    expectIssues(response, [
      ['input', 'custom', 'nested'],
      ['input', 'custom', 'list'],
      ['input', 'custom', 'nothing'],
      ['input', 'custom', 'emptyList'],
    ]);
    expect(await personCount(uuid)).toBe(0);
  });

  it('accepts integers within ±(2^53−1) and refuses those beyond', async () => {
    await accepts('custom', { max: 9007199254740991, min: -9007199254740991 });
    await refuses('custom', { big: 9007199254740992 }, ['big']);
    await refuses('custom', { small: -9007199254740992 }, ['small']);
    await refuses('custom', { huge: 1e300 }, ['huge']);
    // In a literal, too, where GraphQL parses the number itself.
    const literal = await gql(
      'mutation { setUuidMetadata(input: { uuid: "lit", custom: { big: 9007199254740993 } }) { uuidMetadata { id } } }',
      {},
      { auth: org.apiKey },
    );
    expectIssues(literal, [['input', 'custom', 'big']]);
    expect(await personCount('lit')).toBe(0);
  });

  it('refuses a custom that is not an object', async () => {
    for (const custom of ['text', 1, [1, 2]]) {
      const uuid = fresh();
      const response = await sendSet(org.apiKey, { uuid, custom });
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.issues?.map((issue) => issue.path)).toEqual([['input', 'custom']]);
      expect(response.data ?? null).toBeNull();
      expect(await personCount(uuid)).toBe(0);
    }
  });
});

describe('the whole input', () => {
  it('reports every offending field at once and writes nothing', async () => {
    const uuid = fresh();
    await setMetadata(org.apiKey, { uuid, name: 'Before' });
    const response = await sendSet(org.apiKey, {
      uuid,
      name: '  ',
      externalId: 'e'.repeat(2049),
      profileUrl: 'relative/path.png',
      email: 'Ada <ada@x.io>',
      type: 't'.repeat(51),
      status: 's'.repeat(51),
      custom: { deep: { a: 1 } },
    });
    expectIssues(response, [
      ['input', 'name'],
      ['input', 'externalId'],
      ['input', 'profileUrl'],
      ['input', 'email'],
      ['input', 'type'],
      ['input', 'status'],
      ['input', 'custom', 'deep'],
    ]);
    const stored = await db.uuidMetadata.findUniqueOrThrow({
      where: { orgId_personId: { orgId: org.orgId, personId: uuid } },
    });
    expect(stored.name).toBe('Before');
  });

  it('refuses U+0000 and lone surrogates in any string, custom keys and values included', async () => {
    const uuid = fresh();
    const response = await sendSet(org.apiKey, {
      uuid,
      name: 'a\u0000b',
      custom: { 'k\u0000': 'v', ok: 'x\udc00' },
    });
    const error = expectError(response, 'BAD_USER_INPUT');
    const paths = (error.extensions?.issues ?? []).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['input', 'name'],
        ['input', 'custom', 'k\u0000'],
        ['input', 'custom', 'ok'],
      ]),
    );
    expect(await personCount(uuid)).toBe(0);
  });
});
