import { beforeAll, describe, expect, it } from 'vitest';
import { signPersonToken } from '../src/auth/person-token.ts';
import { db } from '../src/db/client.ts';
import { revokeApiKey } from '../src/domain/organizations.ts';
import { createServer } from '../src/server.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';

const personQuery = 'query Person($id: ID!) { person(id: $id) { id } }';
const createPerson = 'mutation Create($id: ID!) { createPerson(input: { id: $id }) { person { id } } }';
const mint = `mutation Mint($personId: ID!, $scopes: [String!]!, $expires: Int) {
  mintPersonToken(input: { personId: $personId, scopes: $scopes, expiresInSeconds: $expires }) { token expiresAt }
}`;

let org: { orgId: string; apiKey: string };
let other: { orgId: string; apiKey: string };

async function mintToken(personId: string, scopes = ['user:attributes:read', 'user:attributes:write']) {
  const data = expectData(
    await gql<{ mintPersonToken: { token: string } }>(mint, { personId, scopes }, { auth: org.apiKey }),
  );
  return data.mintPersonToken.token;
}

async function adaCreatedAt() {
  const ada = await db.person.findUniqueOrThrow({ where: { orgId_id: { orgId: org.orgId, id: 'ada' } } });
  return ada.createdAt.getTime();
}

beforeAll(async () => {
  org = await newOrg('acme');
  other = await newOrg('globex');
  expectData(await gql(createPerson, { id: 'ada' }, { auth: org.apiKey }));
});

describe('credentials', () => {
  it('refuses a request without a credential with 401 UNAUTHENTICATED', async () => {
    const response = await gql(personQuery, { id: 'ada' });
    expect(response.status).toBe(401);
    expect(response.data).toBeUndefined();
    expectError(response, 'UNAUTHENTICATED');
  });

  it('refuses a malformed Authorization header and an unknown key with 401', async () => {
    for (const headers of [
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer aq_nope' },
    ]) {
      const response = await gql(personQuery, { id: 'ada' }, { headers });
      expect(response.status).toBe(401);
      expectError(response, 'UNAUTHENTICATED');
    }
  });

  it('accepts a valid org API key', async () => {
    const data = expectData(await gql<{ person: { id: string } }>(personQuery, { id: 'ada' }, { auth: org.apiKey }));
    expect(data.person.id).toBe('ada');
  });

  it('refuses a revoked key at once', async () => {
    const temp = await newOrg('temp');
    expectData(await gql(personQuery, { id: 'x' }, { auth: temp.apiKey }));
    await revokeApiKey(temp.apiKey);
    const response = await gql(personQuery, { id: 'x' }, { auth: temp.apiKey });
    expect(response.status).toBe(401);
    expectError(response, 'UNAUTHENTICATED');
  });
});

describe('organization header', () => {
  it('accepts X-Org-Id and SlashID-OrgID naming the credential’s organization', async () => {
    expectData(await gql(personQuery, { id: 'ada' }, { auth: org.apiKey, headers: { 'x-org-id': org.orgId } }));
    expectData(await gql(personQuery, { id: 'ada' }, { auth: org.apiKey, headers: { 'SlashID-OrgID': org.orgId } }));
  });

  it('checks X-Org-Id and SlashID-OrgID each, when both are sent', async () => {
    const both = (x: string, slashid: string) =>
      gql(personQuery, { id: 'ada' }, { auth: org.apiKey, headers: { 'x-org-id': x, 'SlashID-OrgID': slashid } });
    expectData(await both(org.orgId, org.orgId));
    expectError(await both(org.orgId, other.orgId), 'FORBIDDEN');
    expectError(await both(other.orgId, org.orgId), 'FORBIDDEN');
  });

  it('answers FORBIDDEN when X-Org-Id (or its alias) names another organization', async () => {
    for (const header of ['x-org-id', 'SlashID-OrgID']) {
      const response = await gql(personQuery, { id: 'ada' }, { auth: org.apiKey, headers: { [header]: other.orgId } });
      expectError(response, 'FORBIDDEN');
      expect(response.data ?? null).toBeNull();
    }
  });

  it('does not show another organization’s person', async () => {
    const data = expectData(await gql<{ person: null }>(personQuery, { id: 'ada' }, { auth: other.apiKey }));
    expect(data.person).toBeNull();
  });
});

describe('person tokens', () => {
  it('lets a person token read `me` but not run admin operations (FORBIDDEN)', async () => {
    const token = await mintToken('ada');
    const me = expectData(await gql<{ me: { id: string } }>('{ me { id } }', {}, { auth: token }));
    expect(me.me.id).toBe('ada');

    const query = await gql(personQuery, { id: 'ada' }, { auth: token });
    expectError(query, 'FORBIDDEN');
    const mutation = await gql(createPerson, { id: 'mallory' }, { auth: token });
    expectError(mutation, 'FORBIDDEN');
    expect(await db.person.count({ where: { orgId: org.orgId, id: 'mallory' } })).toBe(0);
  });

  it('needs a person token for `me`', async () => {
    expectError(await gql('{ me { id } }', {}, { auth: org.apiKey }), 'FORBIDDEN');
  });

  it('refuses a token whose signature does not verify', async () => {
    const token = await mintToken('ada');
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    const response = await gql('{ me { id } }', {}, { auth: forged });
    expect(response.status).toBe(401);
    expectError(response, 'UNAUTHENTICATED');

    const orgRow = await db.organization.findUniqueOrThrow({ where: { id: org.orgId } });
    const pct = await adaCreatedAt();
    const otherSecret = signPersonToken(
      { sub: 'ada', org: org.orgId, scope: 'user:attributes:read', iat: 0, exp: 4_000_000_000, pct },
      `${orgRow.tokenSecret}x`,
    );
    expectError(await gql('{ me { id } }', {}, { auth: otherSecret }), 'UNAUTHENTICATED');
  });

  it('refuses an expired token', async () => {
    const orgRow = await db.organization.findUniqueOrThrow({ where: { id: org.orgId } });
    const now = Math.floor(Date.now() / 1000);
    const expired = signPersonToken(
      {
        sub: 'ada',
        org: org.orgId,
        scope: 'user:attributes:read',
        iat: now - 120,
        exp: now - 1,
        pct: await adaCreatedAt(),
      },
      orgRow.tokenSecret,
    );
    const response = await gql('{ me { id } }', {}, { auth: expired });
    expect(response.status).toBe(401);
    expectError(response, 'UNAUTHENTICATED');
  });

  it('stops working at once when its person is deactivated or deleted', async () => {
    expectData(await gql(createPerson, { id: 'bob' }, { auth: org.apiKey }));
    const token = await mintToken('bob');
    expectData(await gql('{ me { id } }', {}, { auth: token }));

    await db.person.update({ where: { orgId_id: { orgId: org.orgId, id: 'bob' } }, data: { active: false } });
    expect((await gql('{ me { id } }', {}, { auth: token })).status).toBe(401);

    await db.person.update({ where: { orgId_id: { orgId: org.orgId, id: 'bob' } }, data: { active: true } });
    expectData(await gql('{ me { id } }', {}, { auth: token }));

    await db.person.delete({ where: { orgId_id: { orgId: org.orgId, id: 'bob' } } });
    const response = await gql('{ me { id } }', {}, { auth: token });
    expect(response.status).toBe(401);
    expectError(response, 'UNAUTHENTICATED');
  });

  it('does not work for a new person created under the id of a deleted one', async () => {
    expectData(await gql(createPerson, { id: 'carol' }, { auth: org.apiKey }));
    const old = await mintToken('carol');
    expectData(
      await gql(
        'mutation { deletePerson(input: { personId: "carol" }) { deletedPersonId } }',
        {},
        { auth: org.apiKey },
      ),
    );
    expectData(await gql(createPerson, { id: 'carol' }, { auth: org.apiKey }));
    const refused = await gql('{ me { id } }', {}, { auth: old });
    expect(refused.status).toBe(401);
    expectError(refused, 'UNAUTHENTICATED');
    const fresh = await mintToken('carol');
    expect(expectData(await gql<{ me: { id: string } }>('{ me { id } }', {}, { auth: fresh })).me.id).toBe('carol');
  });

  it('refuses a token of one organization presented with another organization’s header', async () => {
    const token = await mintToken('ada');
    expectError(await gql('{ me { id } }', {}, { auth: token, headers: { 'x-org-id': other.orgId } }), 'FORBIDDEN');
  });
});

describe('mintPersonToken input', () => {
  it('accepts expiresInSeconds 60 and 86400, refuses 59 and 86401', async () => {
    for (const expires of [60, 86_400]) {
      const before = Date.now();
      const data = expectData(
        await gql<{ mintPersonToken: { expiresAt: string } }>(
          mint,
          { personId: 'ada', scopes: ['user:attributes:read'], expires },
          { auth: org.apiKey },
        ),
      );
      const expiresAt = Date.parse(data.mintPersonToken.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + expires * 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + expires * 1000);
    }
    for (const expires of [59, 86_401]) {
      const error = expectError(
        await gql(mint, { personId: 'ada', scopes: ['user:attributes:read'], expires }, { auth: org.apiKey }),
        'BAD_USER_INPUT',
      );
      expect(error.extensions?.issues?.[0]?.path).toEqual(['input', 'expiresInSeconds']);
    }
  });

  it('refuses scopes other than the two person scopes', async () => {
    const error = expectError(
      await gql(mint, { personId: 'ada', scopes: ['user:attributes:read', 'admin'] }, { auth: org.apiKey }),
      'BAD_USER_INPUT',
    );
    expect(error.extensions?.issues?.[0]?.path).toEqual(['input', 'scopes', '1']);
  });

  it('answers NOT_FOUND for an unknown person and for another organization’s person', async () => {
    expectError(
      await gql(mint, { personId: 'nobody', scopes: ['user:attributes:read'] }, { auth: org.apiKey }),
      'NOT_FOUND',
    );
    expectError(
      await gql(mint, { personId: 'ada', scopes: ['user:attributes:read'] }, { auth: other.apiKey }),
      'NOT_FOUND',
    );
  });

  it('gives a token that carries only the scopes asked for', async () => {
    const readOnly = await mintToken('ada', ['user:attributes:read']);
    const payload = JSON.parse(Buffer.from(readOnly.split('.')[1] as string, 'base64url').toString());
    expect(payload).toMatchObject({ sub: 'ada', org: org.orgId, scope: 'user:attributes:read' });
    expect(typeof payload.exp).toBe('number');
  });
});

describe('introspection', () => {
  it('needs no credential while GraphiQL is on', async () => {
    const data = expectData(
      await gql<{ __schema: { queryType: { name: string } } }>('{ __schema { queryType { name } } }'),
    );
    expect(data.__schema.queryType.name).toBe('Query');
  });

  it('needs a credential when GraphiQL is off (ATTRQL_GRAPHIQL=false, or NODE_ENV=production whatever it says)', async () => {
    const settings: Record<string, string>[] = [
      { ATTRQL_GRAPHIQL: 'false' },
      { ATTRQL_GRAPHIQL: 'FALSE' },
      { NODE_ENV: 'production' },
      { NODE_ENV: 'production', ATTRQL_GRAPHIQL: 'true' },
    ];
    for (const setting of settings) {
      const saved = { NODE_ENV: process.env.NODE_ENV, ATTRQL_GRAPHIQL: process.env.ATTRQL_GRAPHIQL };
      Object.assign(process.env, setting);
      try {
        const server = createServer();
        const response = await gql('{ __schema { queryType { name } } }', {}, { server });
        expect(response.status, JSON.stringify(setting)).toBe(401);
        expectError(response, 'UNAUTHENTICATED');
        const page = await server.fetch('http://attrql.test/graphql', { headers: { accept: 'text/html' } });
        expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
    }
  });

  it('mixing introspection with a real field needs a credential', async () => {
    const response = await gql('{ __typename person(id: "ada") { id } }');
    expect(response.status).toBe(401);
  });
});
