import { describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { createPerson, mintToken } from './helpers/persons.ts';

// A person token's signature is checked with its organization's token secret (cached: it never changes) before
// anything about the person is read: a forged or tampered token costs no per-person lookup.

const me = '{ me { id } }';

/** The token with one character of its signature changed. */
const tampered = (token: string) => {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
};

describe('person token signature', () => {
  it('a bad signature is refused without a statement once the organization is known', async () => {
    const org = await newOrg('signature');
    const person = await createPerson(org.apiKey);
    const token = await mintToken(org.apiKey, person.id);
    expectData(await gql(me, {}, { auth: token })); // learns the organization's secret

    const forged = await statementCounter.measure(() => gql(me, {}, { auth: tampered(token) }));
    expect(forged.result.status).toBe(401);
    expectError(forged.result, 'UNAUTHENTICATED');
    expect(forged.statements).toEqual([]);

    // The genuine token still reads the person (deactivation and deletion are checked on every request).
    const genuine = await statementCounter.measure(() => gql(me, {}, { auth: token }));
    expect(expectData(genuine.result)).toEqual({ me: { id: person.id } });
    expect(genuine.count).toBeGreaterThan(0);
  });

  it('a token naming an unknown organization costs one organization read, and is refused', async () => {
    const org = await newOrg('signature-2');
    const token = await mintToken(org.apiKey, (await createPerson(org.apiKey)).id);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString('utf8'));
    const elsewhere = Buffer.from(JSON.stringify({ ...claims, org: 'no-such-org' })).toString('base64url');
    const forged = await statementCounter.measure(() => gql(me, {}, { auth: `${header}.${elsewhere}.${signature}` }));
    expectError(forged.result, 'UNAUTHENTICATED');
    expect(forged.count).toBe(1);
  });
});
