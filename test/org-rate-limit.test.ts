import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitPerOrgPerMinute, rateLimitSyncMs } from '../src/auth/rate-limit.ts';
import { yoga } from '../src/server.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { createPerson, mintToken } from './helpers/persons.ts';
import { awayFromWindowEdge } from './helpers/rate-limit-window.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// CONTRACT §8 "rate per organization": besides each credential's own window, all credentials of one organization
// together (API keys and every person token) share a window, counted for GraphQL and REST alike and shared by all
// instances like the per-credential one. Small limits via env keep it fast: 5 per credential, 100 per org.

const perCredential = '5';
const perOrg = 100;
const limits = { ATTRQL_RATE_LIMIT_PER_MINUTE: perCredential, ATTRQL_RATE_LIMIT_PER_ORG_PER_MINUTE: String(perOrg) };
const me = '{ me { id } }';
const person = '{ person(id: "nobody") { id } }';

let other: ServerProcess;
beforeAll(async () => {
  // A second attrql process on this file's database: only the database can share the counts with it.
  other = await startServerProcess(process.env.DATABASE_URL as string, limits);
});
afterAll(() => other?.stop());
afterEach(() => {
  process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '0';
  delete process.env.ATTRQL_RATE_LIMIT_PER_ORG_PER_MINUTE;
});

/** An organization with `count` persons and one person token each (minted while the limits are off). */
async function orgWithTokens(name: string, count: number) {
  const org = await newOrg(name);
  const tokens = await Promise.all(
    Array.from({ length: count }, async () => mintToken(org.apiKey, (await createPerson(org.apiKey)).id)),
  );
  return { ...org, tokens };
}

const useLimits = () => Object.assign(process.env, limits);
const afterTwoSyncs = () => new Promise((resolve) => setTimeout(resolve, 2 * rateLimitSyncMs + 150));

describe('per-organization ceiling', () => {
  it('50 person tokens of one org together hit RATE_LIMITED at the ceiling; another org keeps being served', async () => {
    const busy = await orgWithTokens('busy', 50);
    const bystander = await orgWithTokens('bystander', 1);
    useLimits();
    await awayFromWindowEdge(20_000);
    // 110 operations at once, at most 3 per token (each under its own limit of 5): exactly 100 are served.
    const sent = await Promise.all(
      Array.from({ length: 110 }, (_, i) => gql(me, {}, { auth: busy.tokens[i % 50] as string })),
    );
    expect(sent.filter((response) => response.status === 200)).toHaveLength(perOrg);
    const refused = sent.filter((response) => response.status !== 200);
    expect(refused).toHaveLength(10);
    for (const response of refused) {
      expect(response.status).toBe(429);
      const error = expectError(response, 'RATE_LIMITED');
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(error.extensions?.retryAfterSeconds).toBe(retryAfter);
    }
    // A token that has used 2 of its 5, and the org's API key that has used none: refused too, GraphQL and REST.
    expect((await gql(me, {}, { auth: busy.tokens[20] as string })).status).toBe(429);
    expect((await gql(person, {}, { auth: busy.apiKey })).status).toBe(429);
    const rest = await yoga.fetch(`http://attrql.test/persons/nobody/attributes/end_user_read_write`, {
      headers: { 'SlashID-OrgID': busy.orgId, 'SlashID-API-Key': busy.apiKey },
    });
    expect(rest.status).toBe(429);
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The other organization: its key and its person's token are served.
    expectData(await gql(person, {}, { auth: bystander.apiKey }));
    expectData(await gql(me, {}, { auth: bystander.tokens[0] as string }));

    // Another instance learns the count through the database: an instance that has not seen the org yet may serve
    // what arrives before its next sync (the contract's overshoot), and two syncs later it refuses the busy org only.
    expect([200, 429]).toContain((await httpGql(other.url, me, {}, busy.tokens[30] as string)).status);
    await afterTwoSyncs();
    const there = await httpGql(other.url, me, {}, busy.tokens[31] as string);
    expect(there.status).toBe(429);
    expect(there.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await httpGql(other.url, person, {}, bystander.apiKey)).status).toBe(200);
  });

  it('REST calls count toward the ceiling, and operations served by another instance too', async () => {
    const busy = await orgWithTokens('rest-busy', 8);
    useLimits();
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '1000';
    await awayFromWindowEdge(20_000);
    // 60 SlashID REST calls here with the key, 40 GraphQL operations there (5 per token, that instance's limit).
    for (let i = 0; i < 60; i += 1) {
      const response = await yoga.fetch(`http://attrql.test/persons/nobody/attributes/end_user_read_write`, {
        headers: { 'SlashID-OrgID': busy.orgId, 'SlashID-API-Key': busy.apiKey },
      });
      expect(response.status).toBe(404); // served (the person does not exist), not refused
    }
    for (let i = 0; i < 40; i += 1) {
      expect((await httpGql(other.url, me, {}, busy.tokens[i % 8] as string)).status).toBe(200);
    }
    await afterTwoSyncs();
    const refused = await gql(me, {}, { auth: busy.tokens[0] as string });
    expect(refused.status).toBe(429);
    expectError(refused, 'RATE_LIMITED');
  });

  it('defaults to 100× the per-credential rate, and 0 turns it off', async () => {
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '600';
    expect(rateLimitPerOrgPerMinute()).toBe(60_000);
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '0';
    expect(rateLimitPerOrgPerMinute()).toBe(0);

    const free = await orgWithTokens('unbounded', 30);
    process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = perCredential;
    process.env.ATTRQL_RATE_LIMIT_PER_ORG_PER_MINUTE = '0';
    await awayFromWindowEdge(20_000);
    const sent = await Promise.all(
      Array.from({ length: 120 }, (_, i) => gql(me, {}, { auth: free.tokens[i % 30] as string })),
    );
    expect(sent.map((response) => response.status)).toEqual(sent.map(() => 200));
  });
});
