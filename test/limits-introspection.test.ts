import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yoga } from '../src/server.ts';
import { expectError, gql, newOrg } from './helpers/graphql.ts';
import { awayFromWindowEdge } from './helpers/rate-limit-window.ts';

// CONTRACT §8 "rate" and issue #23 (5): introspection needs no credential while GraphiQL is on, but it counts toward
// the rate limit: against the caller's credential when it sends a valid one, else against one shared window.

const introspection = '{ __schema { queryType { name } } }';
let org: { orgId: string; apiKey: string };

beforeAll(async () => {
  org = await newOrg('introspection-rate');
  process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '3';
});
afterAll(() => {
  process.env.ATTRQL_RATE_LIMIT_PER_MINUTE = '0';
});

async function introspect(headers: Record<string, string>) {
  const response = await yoga.fetch('http://attrql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: introspection }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] },
  };
}

describe('introspection and the rate limit', () => {
  it('counts against the credential it is sent with: 3 pass, the 4th operation of that key is refused', async () => {
    await awayFromWindowEdge(15_000);
    for (let i = 0; i < 3; i += 1) {
      expect((await introspect({ authorization: `Bearer ${org.apiKey}` })).status).toBe(200);
    }
    const refused = await introspect({ authorization: `Bearer ${org.apiKey}` });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // The same window as the key's other operations.
    expectError(await gql('{ roles { id } }', {}, { auth: org.apiKey }), 'RATE_LIMITED');
  });

  it("without a valid credential (none, or GraphiQL's placeholder) all callers share one window", async () => {
    await awayFromWindowEdge(15_000);
    const placeholder = { authorization: 'Bearer <your org API key or person token>' };
    expect((await introspect({})).status).toBe(200);
    expect((await introspect(placeholder)).status).toBe(200);
    expect((await introspect({})).status).toBe(200);
    const refused = await introspect(placeholder);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });
});
