import { getOperationAST, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import { queryNodes } from '../src/http/query-cost.ts';
import { schema } from '../src/schema/index.ts';
import { createServer } from '../src/server.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { createPerson } from './helpers/persons.ts';

// CONTRACT §8 "query cost": an operation's worst-case node count (each connection's `first` multiplied along its
// path, summed over every path and alias; lists without `first` count as 100) ≤ ATTRQL_MAX_QUERY_NODES (25,000),
// else a GraphQL validation error and no resolver (no SQL) runs.

let org: { orgId: string; apiKey: string };
beforeAll(async () => {
  org = await newOrg('query-cost');
  await createPerson(org.apiKey, { handles: [{ type: 'USERNAME', value: 'cost' }] });
});

/** `persons(first: p) { nodes { history(first: h) … } }` counts p + p × h nodes. */
const personsWithHistory = (alias: string, persons: string, history = '100') =>
  `${alias}: persons(first: ${persons}) { nodes { history(first: ${history}) { nodes { cursor } } } }`;

async function refusedBeforeAnySql(response: Promise<Awaited<ReturnType<typeof gql>>>) {
  const { result, count } = await statementCounter.measure(() => response);
  expect(result.status).toBe(200);
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(result.errors?.[0]?.message).toMatch(/cost/);
  expect(count).toBe(0);
  return result;
}

describe('the default limit, 25,000 nodes', () => {
  // 10,100 + 10,100 + (48 + 48 × 99) = 25,000
  const atLimit = [
    personsWithHistory('a', '100'),
    personsWithHistory('b', '100'),
    personsWithHistory('c', '48', '99'),
  ].join('\n');

  it('passes an operation of exactly 25,000 nodes and refuses 25,001 before any SQL', async () => {
    const data = expectData(await gql(`{ ${atLimit} }`, {}, { auth: org.apiKey }));
    expect(Object.keys(data as object)).toEqual(['a', 'b', 'c']);
    const over = await refusedBeforeAnySql(
      gql(`{ ${atLimit} d: persons(first: 1) { totalCount } }`, {}, { auth: org.apiKey }),
    );
    expect(over.errors?.[0]?.extensions).toMatchObject({ queryNodes: 25_001, limit: 25_000 });
  });

  it('counts `first` given as a variable with its value, its default, or the argument default (20)', async () => {
    const query = (declared: string) =>
      `query Q(${declared}) { ${personsWithHistory('a', '100')} ${personsWithHistory('b', '100')} ${personsWithHistory('c', '$n', '99')} }`;
    expectData(await gql(query('$n: Int'), { n: 48 }, { auth: org.apiKey }));
    await refusedBeforeAnySql(gql(query('$n: Int'), { n: 49 }, { auth: org.apiKey }));
    // Not given: persons' own default, 20.
    expectData(await gql(query('$n: Int'), {}, { auth: org.apiKey }));
    // Not given, with a default of the variable's own.
    await refusedBeforeAnySql(gql(query('$n: Int = 49'), {}, { auth: org.apiKey }));
    // An omitted `first` is the argument's default: history(first: 20).
    expectData(
      await gql(
        `{ ${personsWithHistory('a', '100')} ${personsWithHistory('b', '100')} c: persons(first: 100) { nodes { history { nodes { cursor } } } } }`,
        {},
        { auth: org.apiKey },
      ),
    );
  });
});

describe('counting, with ATTRQL_MAX_QUERY_NODES=300', () => {
  let server: ReturnType<typeof createServer>;
  beforeAll(() => {
    process.env.ATTRQL_MAX_QUERY_NODES = '300';
    try {
      server = createServer();
    } finally {
      delete process.env.ATTRQL_MAX_QUERY_NODES;
    }
  });
  const ask = (query: string, variables: Record<string, unknown> = {}) =>
    gql(query, variables, { auth: org.apiKey, server });

  it('a list of objects without `first` counts 100; lists of strings count nothing', async () => {
    expectData(await ask('{ roles { id } a: roles { name } attributeBuckets { name } }'));
    await refusedBeforeAnySql(
      ask('{ roles { id } a: roles { name } attributeBuckets { name } b: persons(first: 1) { totalCount } }'),
    );
    // 2 persons + 2 × 100 handles + 98; groups and roles are strings.
    const page =
      '{ persons(first: 2) { nodes { groups roles handles { value } } } a: persons(first: 98) { totalCount }';
    expectData(await ask(`${page} }`));
    await refusedBeforeAnySql(ask(`${page} x: persons(first: 1) { totalCount } }`));
  });

  it("a connection's edges and nodes are the nodes it counted; both may be asked for", async () => {
    expectData(
      await ask('{ persons(first: 100) { edges { node { id } } nodes { id } } a: roles { id } b: roles { id } }'),
    );
    await refusedBeforeAnySql(
      ask(
        '{ persons(first: 100) { edges { node { id } } nodes { id } } a: roles { id } b: roles { id } c: persons(first: 1) { totalCount } }',
      ),
    );
  });

  it('counts fragments and inline fragments where they are spread, nested ones multiplied', async () => {
    const lists = 'fragment Lists on Query { roles { id } attributeBuckets { name } }';
    const handles = 'fragment Handles on Person { handles { value } }';
    expectData(await ask(`{ ...Lists ... on Query { a: roles { id } } } ${lists}`));
    await refusedBeforeAnySql(
      ask(`{ ...Lists ... on Query { a: roles { id } b: persons(first: 1) { totalCount } } } ${lists}`),
    );
    // 1 person + 1 × 100 handles, spread inside the connection: 101, plus 200 = 301.
    await refusedBeforeAnySql(ask(`{ ...Lists persons(first: 1) { nodes { ...Handles } } } ${lists} ${handles}`));
    expectData(await ask(`{ roles { id } persons(first: 1) { nodes { ...Handles } } } ${handles}`));
  });

  it('a fragment cycle is a validation error, answered at once', async () => {
    const response = await ask('{ ...A } fragment A on Query { roles { id } ...B } fragment B on Query { ...A }');
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/Cannot spread fragment/);
    // The counting itself, given such a document, ends: a fragment spread inside itself counts nothing.
    const cyclic = parse('{ ...A } fragment A on Query { roles { id } ...B } fragment B on Query { ...A }');
    expect(queryNodes(schema, cyclic, getOperationAST(cyclic) as never, {})).toBe(100);
  });

  it('a fragment spread many times is counted each time without being walked again (no exponential work)', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^40 spreads of F40 to count, 41 fragments to walk.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    const document = parse(`{ ...F0 } ${fragments.join(' ')} fragment F${levels} on Query { roles { id } }`);
    const started = Date.now();
    expect(queryNodes(schema, document, getOperationAST(document) as never, {})).toBe(100 * 2 ** levels);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('subscriptions', () => {
  it('are counted when they start: over the limit, the only answer is the validation error', async () => {
    process.env.ATTRQL_MAX_QUERY_NODES = '99';
    let server: ReturnType<typeof createServer>;
    try {
      server = createServer();
    } finally {
      delete process.env.ATTRQL_MAX_QUERY_NODES;
    }
    // Each change's entries are a list without `first`: 100 nodes.
    const response = await gql('subscription { personChanges { entries { name } } }', {}, { auth: org.apiKey, server });
    expect(response.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors?.[0]?.extensions).toMatchObject({ queryNodes: 100, limit: 99 });
  });
});
