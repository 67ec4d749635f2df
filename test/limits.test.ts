import { Lexer, Source, TokenKind } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitSyncMs } from '../src/auth/rate-limit.ts';
import { statementCounter } from '../src/db/statement-counter.ts';
import { createServer, yoga } from '../src/server.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { awayFromWindowEdge } from './helpers/rate-limit-window.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

let org: { orgId: string; apiKey: string };
beforeAll(async () => {
  org = await newOrg('limits');
});

/** Lexical tokens of a document, as GraphQL's parser counts them (without <SOF> and <EOF>). */
function tokenCount(query: string): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

function post(body: BodyInit, headers: Record<string, string> = {}) {
  return yoga.fetch('http://attrql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}`, ...headers },
    body,
  });
}

describe('request body size (1 MiB by default)', () => {
  const limit = 1024 * 1024;
  const bodyOfSize = (size: number) => {
    const base = JSON.stringify({ query: '{ __typename }' });
    // JSON allows whitespace between tokens: pad before the closing brace to reach the exact size.
    return `${base.slice(0, -1)}${' '.repeat(size - base.length)}}`;
  };

  it('accepts a body of exactly the limit', async () => {
    const body = bodyOfSize(limit);
    expect(Buffer.byteLength(body)).toBe(limit);
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses one byte more with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await post(bodyOfSize(limit + 1));
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses an oversized body sent without Content-Length (streamed)', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }"'));
        if (sent > limit + chunk.byteLength) {
          controller.enqueue(new TextEncoder().encode('}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    });
    const response = await yoga.fetch('http://attrql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('follows ATTRQL_MAX_BODY_BYTES', async () => {
    process.env.ATTRQL_MAX_BODY_BYTES = '200';
    try {
      const server = createServer();
      const send = (size: number) =>
        server.fetch('http://attrql.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
          body: bodyOfSize(size),
        });
      expect((await send(200)).status).toBe(200);
      expect((await send(201)).status).toBe(413);
    } finally {
      delete process.env.ATTRQL_MAX_BODY_BYTES;
    }
  });
});

describe('query shape limits (validation errors, no resolver runs)', () => {
  const nested = (depth: number) => {
    // depth counts fields from the root: { f1 { f2 { … f<depth> } } }
    let selection = `f${depth}`;
    for (let level = depth - 1; level >= 1; level -= 1) selection = `f${level} { ${selection} }`;
    return `{ ${selection} }`;
  };
  const depthError = (errors: { message: string }[] | undefined) => errors?.find((e) => /depth/i.test(e.message));

  it('refuses depth 11 and lets depth 10 through to ordinary validation', async () => {
    // The schema is shallow, so these fields do not exist: what matters is whether the depth rule fires.
    const ten = await gql(nested(10), {}, { auth: org.apiKey });
    expect(depthError(ten.errors)).toBeUndefined();
    const { result: eleven, count } = await statementCounter.measure(() => gql(nested(11), {}, { auth: org.apiKey }));
    expect(depthError(eleven.errors)?.message).toMatch(/10/);
    expect(count).toBe(0);
  });

  const aliased = (count: number) =>
    `{ ${Array.from({ length: count }, (_, i) => `p${i}: person(id: "p${i}") { id }`).join(' ')} }`;

  it('accepts 20 aliases and refuses 21 before any SQL runs', async () => {
    const twenty = await gql(aliased(20), {}, { auth: org.apiKey });
    expect(Object.keys(expectData(twenty) as object)).toHaveLength(20);
    const { result: tooMany, count } = await statementCounter.measure(() => gql(aliased(21), {}, { auth: org.apiKey }));
    expect(tooMany.data ?? null).toBeNull();
    expect(tooMany.errors?.[0]?.message).toMatch(/aliases/i);
    expect(count).toBe(0);
  });

  const withTokens = (tokens: number) => {
    // Each extra list entry is one more token (commas are not tokens in GraphQL); many distinct fields would
    // trip graphql-js's own overlap-check budget instead.
    const build = (entries: number) =>
      `mutation { mintPersonToken(input: { personId: "tokens", scopes: [${Array(entries).fill('"user:attributes:read"').join(' ')}] }) { token } }`;
    const query = build(tokens - tokenCount(build(0)));
    expect(tokenCount(query)).toBe(tokens);
    return query;
  };

  it('accepts 2000 tokens and refuses 2001', async () => {
    expectData(
      await gql('mutation { createPerson(input: { id: "tokens" }) { person { id } } }', {}, { auth: org.apiKey }),
    );
    expectData(await gql(withTokens(2000), {}, { auth: org.apiKey }));
    const { result: response, count } = await statementCounter.measure(() =>
      gql(withTokens(2001), {}, { auth: org.apiKey }),
    );
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.[0]?.message).toMatch(/token/i);
    expect(count).toBe(0);
  });
});

describe('HTTP rules', () => {
  it('refuses a batched (JSON array) body with 400', async () => {
    const response = await post(JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('serves queries over GET and refuses mutations over GET with 405', async () => {
    const get = (query: string) =>
      yoga.fetch(`http://attrql.test/graphql?query=${encodeURIComponent(query)}`, {
        headers: { authorization: `Bearer ${org.apiKey}`, accept: 'application/json' },
      });
    const query = await get('{ person(id: "nobody") { id } }');
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { person: null } });
    const mutation = await get('mutation { createPerson(input: { id: "viaget" }) { person { id } } }');
    expect(mutation.status).toBe(405);
    expect(await gql('{ person(id: "viaget") { id } }', {}, { auth: org.apiKey })).toMatchObject({
      data: { person: null },
    });
  });

  it('refuses a malformed JSON body with 400, without the parser’s own message', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  it('refuses a request without a query string with 400', async () => {
    for (const body of ['{}', '{"query":""}', '{"variables":{}}']) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
    }
    const get = await yoga.fetch('http://attrql.test/graphql', {
      headers: { authorization: `Bearer ${org.apiKey}`, accept: 'application/json' },
    });
    expect(get.status).toBe(400);
  });
});

describe('rate limit', () => {
  const query = '{ person(id: "x") { id } }';
  let other: ServerProcess | undefined;

  afterEach(() => {
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '0';
  });
  afterAll(async () => {
    await other?.stop();
  });

  /** Each instance shares its counts every rateLimitSyncMs: two syncs later, every instance counts everything. */
  const afterTwoSyncs = () => new Promise((resolve) => setTimeout(resolve, 2 * rateLimitSyncMs + 150));

  it('refuses the operation after the limit with 429, Retry-After and retryAfterSeconds, counting another process within 1 s', async () => {
    const limited = await newOrg('limited');
    const bystander = await newOrg('bystander');
    // A second attrql process on this file's database: only the database can share the count with it.
    other = await startServerProcess(process.env.DATABASE_URL as string, { ATTRQL_RATE_LIMIT_PER_MINUTE: '3' });
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '3';
    await awayFromWindowEdge(15_000);
    expectData(await gql(query, {}, { auth: limited.apiKey }));
    expect((await httpGql(other.url, query, {}, limited.apiKey)).status).toBe(200);
    expect((await httpGql(other.url, query, {}, limited.apiKey)).status).toBe(200);
    await afterTwoSyncs();
    const refused = await gql(query, {}, { auth: limited.apiKey });
    expect(refused.status).toBe(429);
    const error = expectError(refused, 'RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(error.extensions?.retryAfterSeconds).toBe(retryAfter);
    const refusedThere = await httpGql(other.url, query, {}, limited.apiKey);
    expect(refusedThere.status).toBe(429);
    expect(refusedThere.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Another credential has its own window.
    expectData(await gql(query, {}, { auth: bystander.apiKey }));
  });

  it('is exact within one instance and overshoots across instances by at most what the other served before a sync', async () => {
    const limited = await newOrg('overshoot');
    other ??= await startServerProcess(process.env.DATABASE_URL as string, { ATTRQL_RATE_LIMIT_PER_MINUTE: '3' });
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '3';
    await awayFromWindowEdge(15_000);
    const statuses = async (send: () => Promise<{ status: number }>, times: number) => {
      const seen: number[] = [];
      for (let i = 0; i < times; i += 1) seen.push((await send()).status);
      return seen;
    };
    // Here: exactly the limit, then refused at once, with no sync needed.
    expect(await statuses(() => gql(query, {}, { auth: limited.apiKey }), 4)).toEqual([200, 200, 200, 429]);
    // There, right away: it may not know yet, but it never serves more than the limit itself.
    const there = await statuses(() => httpGql(other?.url as string, query, {}, limited.apiKey), 5);
    expect(there.filter((status) => status === 200).length).toBeLessThanOrEqual(3);
    expect(there.slice(-2)).toEqual([429, 429]);
    // Two syncs later, both instances count everything: refused on both.
    await afterTwoSyncs();
    expect((await gql(query, {}, { auth: limited.apiKey })).status).toBe(429);
    expect((await httpGql(other.url, query, {}, limited.apiKey)).status).toBe(429);
  });

  it('allows 600 operations per minute by default and refuses the 601st', async () => {
    const busy = await newOrg('default-limit');
    delete process.env.ATTRQL_RATE_LIMIT_PER_MINUTE;
    await awayFromWindowEdge(30_000);
    for (let i = 1; i <= 600; i += 1) {
      const response = await gql(query, {}, { auth: busy.apiKey });
      if (response.status !== 200) expect.fail(`operation ${i} got ${response.status}`);
    }
    const refused = await gql(query, {}, { auth: busy.apiKey });
    expect(refused.status).toBe(429);
    expectError(refused, 'RATE_LIMITED');
  }, 120_000);

  it('is off with ATTRQL_RATE_LIMIT_PER_MINUTE=0', async () => {
    const busy = await newOrg('busy');
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '1';
    await awayFromWindowEdge(10_000);
    expectData(await gql(query, {}, { auth: busy.apiKey }));
    expect((await gql(query, {}, { auth: busy.apiKey })).status).toBe(429);
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '0';
    for (let i = 0; i < 5; i += 1) expectData(await gql(query, {}, { auth: busy.apiKey }));
  });
});
