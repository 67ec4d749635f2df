import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db/client.ts';
import { yoga } from '../src/server.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';

let org: { orgId: string; apiKey: string };
let token: string;
beforeAll(async () => {
  org = await newOrg('safety');
  expectData(await gql('mutation { createPerson(input: { id: "ada" }) { person { id } } }', {}, { auth: org.apiKey }));
  const minted = await gql<{ mintPersonToken: { token: string } }>(
    'mutation { mintPersonToken(input: { personId: "ada", scopes: ["user:attributes:read"] }) { token } }',
    {},
    { auth: org.apiKey },
  );
  token = expectData(minted).mintPersonToken.token;
});

const create = 'mutation Create($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }';

describe('strings with U+0000 or a lone surrogate', () => {
  it('are refused in any argument with BAD_USER_INPUT naming the path, and nothing is written', async () => {
    for (const id of ['a\u0000b', 'a\ud800b', '\udc00']) {
      const error = expectError(await gql(create, { input: { id } }, { auth: org.apiKey }), 'BAD_USER_INPUT');
      expect(error.extensions?.issues?.[0]?.path).toEqual(['input', 'id']);
    }
    expect(await db.person.count({ where: { orgId: org.orgId } })).toBe(1);
  });

  it('are refused in list entries and inline literals too', async () => {
    const mint =
      'mutation M($scopes: [String!]!) { mintPersonToken(input: { personId: "ada", scopes: $scopes }) { token } }';
    const error = expectError(
      await gql(mint, { scopes: ['user:attributes:read', 'x\ud83d'] }, { auth: org.apiKey }),
      'BAD_USER_INPUT',
    );
    expect(error.extensions?.issues?.map((issue) => issue.path)).toContainEqual(['input', 'scopes', '1']);
    const inline = await gql('{ person(id: "nul\\u0000") { id } }', {}, { auth: org.apiKey });
    expect(expectError(inline, 'BAD_USER_INPUT').extensions?.issues?.[0]?.path).toEqual(['id']);
  });

  it('a well-formed surrogate pair (emoji) is fine', async () => {
    const data = expectData(
      await gql<{ createPerson: { person: { id: string } } }>(
        create,
        { input: { id: 'ada-🦊' } },
        { auth: org.apiKey },
      ),
    );
    expect(data.createPerson.person.id).toBe('ada-🦊');
  });
});

describe('very deep JSON input', () => {
  const merge =
    'mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { attributes } }';

  /** The request body as text: JSON.stringify itself cannot nest this deep. */
  const deepBody = (depth: number, leaf: string) =>
    `{"query":${JSON.stringify(merge)},"variables":{"input":{"personId":"ada","bucket":"end_user_read_write",` +
    `"attributes":{"deep":${'['.repeat(depth)}${leaf}${']'.repeat(depth)}}}}}`;

  it('is refused as BAD_USER_INPUT, not a stack overflow, and nothing is written', async () => {
    for (const leaf of ['"fine"', '"nul\\u0000"']) {
      const response = await yoga.fetch('http://attrql.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
        body: deepBody(100_000, leaf),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        errors: { extensions: { code: string; issues: { path: string[] }[] } }[];
      };
      expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0]?.extensions.issues[0]?.path.slice(0, 3)).toEqual(['input', 'attributes', 'deep']);
    }
    const person = await gql<{ person: { attributes: unknown } }>(
      '{ person(id: "ada") { attributes } }',
      {},
      { auth: org.apiKey },
    );
    expect(expectData(person).person.attributes).toEqual({
      end_user_no_access: {},
      end_user_read_only: {},
      end_user_read_write: {},
    });
  });
});

describe('authorization comes before input checks', () => {
  it('a person token calling an admin mutation with bad input gets FORBIDDEN, not a validation answer', async () => {
    const response = await gql(create, { input: { id: 'bad,id' } }, { auth: token });
    expectError(response, 'FORBIDDEN');
  });
});
