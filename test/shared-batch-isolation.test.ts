import { describe, expect, it } from 'vitest';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { createPersonDoc, mintDoc } from './helpers/persons.ts';

/** A token-shaped credential whose (unverified) claims name a person id with U+0000, which no database stores. */
function tokenWithNul(orgId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { sub: 'x\u0000', org: orgId, scope: 'user:attributes:read', iat: 0, exp: 4_102_444_800, pct: 0 };
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

// Concurrent requests share their reads (loaders/shared-batch.ts): a bad key sent by one caller must not fail the
// statement, and so the requests, of the others (PostgreSQL refuses U+0000 in a parameter).
describe('reads shared between concurrent requests', () => {
  it('answer every other caller when one sends a credential whose claims PostgreSQL would refuse', async () => {
    const org = await newOrg('isolation');
    expectData(await gql(createPersonDoc, { input: { id: 'ok' } }, { auth: org.apiKey }));
    const minted = expectData(
      await gql<{ mintPersonToken: { token: string } }>(
        mintDoc,
        { input: { personId: 'ok', scopes: ['user:attributes:read'] } },
        { auth: org.apiKey },
      ),
    );
    const [bad, good] = await Promise.all([
      gql('{ me { id } }', {}, { auth: tokenWithNul(org.orgId) }),
      gql('{ me { id } }', {}, { auth: minted.mintPersonToken.token }),
    ]);
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(expectData(good)).toEqual({ me: { id: 'ok' } });
  });
});
