import {
  type GraphQLField,
  type GraphQLInputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeFeed } from '../src/live/change-feed.ts';
import { schema } from '../src/schema/index.ts';
import { yoga } from '../src/server.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { subscribeSse, untilLive } from './helpers/subscriptions.ts';

/** A value that passes GraphQL's own coercion for an input type (the server may still refuse it). */
function sample(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [sample(inner.ofType)];
  if (isEnumType(inner)) return inner.getValues()[0]?.value;
  if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields()).filter((field) => isNonNullType(field.type));
    return Object.fromEntries(fields.map((field) => [field.name, sample(field.type)]));
  }
  if (isScalarType(inner)) {
    return (
      { Int: 60, Float: 1, Boolean: true, JSON: {}, JSONObject: {}, DateTime: '2026-01-01T00:00:00Z' }[inner.name] ??
      'x'
    );
  }
  return null;
}

/** One operation calling `field` with every required argument, as variables. */
function operationFor(kind: 'query' | 'mutation' | 'subscription', field: GraphQLField<unknown, unknown>) {
  const required = field.args.filter((arg) => isNonNullType(arg.type));
  const declarations = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
  const args = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return {
    document: `${kind} Op${declarations ? `(${declarations})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`,
    variables: Object.fromEntries(required.map((arg) => [arg.name, sample(arg.type)])),
  };
}

const roots = [
  ['query', schema.getQueryType()],
  ['mutation', schema.getMutationType()],
  ['subscription', schema.getSubscriptionType()],
] as const;
const rootFields = roots.flatMap(([kind, type]) =>
  Object.values(type?.getFields() ?? {}).map((field) => ({ kind, field })),
);

/** What a person token may do (CONTRACT §2); every other root field is for org API keys only. */
const forPersons: Record<string, 'read' | 'write'> = {
  me: 'read',
  myAttributeValues: 'read',
  updateMyAttributes: 'write',
  setMyUserAttributeValue: 'write',
  myChanges: 'read',
};

let apiKey: string;
const tokens: Record<'read' | 'write', string> = { read: '', write: '' };

beforeAll(async () => {
  ({ apiKey } = await newOrg('matrix'));
  expectData(await gql('mutation { createPerson(input: { id: "ada" }) { person { id } } }', {}, { auth: apiKey }));
  for (const scope of ['read', 'write'] as const) {
    const minted = await gql<{ mintPersonToken: { token: string } }>(
      'mutation M($s: [String!]!) { mintPersonToken(input: { personId: "ada", scopes: $s }) { token } }',
      { s: [`user:attributes:${scope}`] },
      { auth: apiKey },
    );
    tokens[scope] = expectData(minted).mintPersonToken.token;
  }
});

// The subscriptions below started this process's change feed: on PostgreSQL its LISTEN connection would keep the
// pool (closed by test/setup.ts) from ending.
afterAll(() => changeFeed.stop());

describe('who may call each root field (every field of the schema, so new ones are covered too)', () => {
  it('finds the end-user operations among the root fields', () => {
    expect(rootFields.length).toBeGreaterThan(25);
    for (const name of Object.keys(forPersons)) expect(rootFields.map(({ field }) => field.name)).toContain(name);
  });

  for (const { kind, field } of rootFields) {
    const needs = forPersons[field.name];
    it(`${kind} ${field.name}: ${needs ? `person token with ${needs} scope only` : 'org API keys only'}`, async () => {
      const { document, variables } = operationFor(kind, field);
      const { codeFor, letThrough } = kind === 'subscription' ? subscriptionChecks(document) : operationChecks();
      if (!needs) {
        expect(await codeFor(tokens.read)).toBe('FORBIDDEN');
        expect(await codeFor(tokens.write)).toBe('FORBIDDEN');
        await letThrough(apiKey);
        return;
      }
      expect(await codeFor(apiKey)).toBe('FORBIDDEN');
      await letThrough(tokens.write);
      if (needs === 'write') expect(await codeFor(tokens.read)).toBe('FORBIDDEN');
      else await letThrough(tokens.read);

      function operationChecks() {
        const codeFor = async (auth: string) =>
          (await gql(document, variables, { auth })).errors?.[0]?.extensions?.code;
        /** Let through: answered (the sample input may still be refused or name nothing that exists). */
        const letThrough = async (auth: string) => {
          const response = await gql(document, variables, { auth });
          expect(response.status).toBe(200);
          const code = response.errors?.[0]?.extensions?.code;
          expect([undefined, 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT'], `${field.name}: ${code}`).toContain(code);
        };
        return { codeFor, letThrough };
      }
    });
  }
});

let writes = 0;

/**
 * A subscription over SSE (in-process): a refusal is its first and only event; one let through stays open and
 * delivers ada's next change (written until one arrives).
 */
function subscriptionChecks(document: string) {
  const open = (auth: string) =>
    subscribeSse({ url: 'http://attrql.test', auth, query: document }, (async (input: string, init: RequestInit) =>
      yoga.fetch(new Request(input, init))) as typeof fetch);
  const codeFor = async (auth: string) => {
    const stream = open(auth);
    try {
      await stream.waitForEnd();
      return stream.errorCodes()[0];
    } finally {
      stream.close();
    }
  };
  const letThrough = async (auth: string) => {
    const stream = open(auth);
    try {
      const write = () => {
        writes += 1;
        return gql(
          'mutation W($n: Int!) { updatePersonAttributes(input: { personId: "ada", bucket: "end_user_read_write", attributes: { n: $n } }) { person { id } } }',
          { n: writes },
          { auth: apiKey },
        );
      };
      await untilLive([stream], write, () => true);
      expect(stream.errors()).toEqual([]);
    } finally {
      stream.close();
    }
  };
  return { codeFor, letThrough };
}
