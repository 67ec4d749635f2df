import { ApolloClient, CombinedGraphQLErrors, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Client, fetchExchange } from '@urql/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// The GraphQL clients people use, over real HTTP against a real attrql process: results, errors with
// extensions.code, and cursor pagination must come through them as the contract says.
let server: ServerProcess;
let apiKey: string;
beforeAll(async () => {
  const database = await createTestDatabase('clients');
  const created = await runAdmin(['create-org', '--name', 'clients'], database.url);
  expect(created.code, created.stderr).toBe(0);
  apiKey = JSON.parse(created.stdout).apiKey;
  server = await startServerProcess(database.url);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const createPerson = `mutation Create($id: ID!) { createPerson(input: { id: $id }) { person { id active } } }`;
const personsPage = `query Page($after: String) {
  persons(first: 2, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}`;

interface Page {
  persons: {
    totalCount: number;
    edges: { cursor: string; node: { id: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Follows endCursor until hasNextPage is false; returns the ids in the order the pages gave them. */
async function allIds(fetchPage: (after: string | null) => Promise<Page>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 10; pages += 1) {
    const { persons } = await fetchPage(after);
    expect(persons.edges.length).toBeLessThanOrEqual(2);
    ids.push(...persons.edges.map((edge) => edge.node.id));
    if (!persons.pageInfo.hasNextPage) return ids;
    after = persons.pageInfo.endCursor;
  }
  throw new Error('more pages than persons');
}

describe('@urql/core', () => {
  const client = (key: string) =>
    new Client({
      url: `${server.url}/graphql`,
      exchanges: [fetchExchange],
      fetchOptions: () => ({ headers: { authorization: `Bearer ${key}` } }),
      requestPolicy: 'network-only',
    });

  it('runs a mutation and a query', async () => {
    const created = await client(apiKey).mutation(createPerson, { id: 'urql-ada' }).toPromise();
    expect(created.error).toBeUndefined();
    expect(created.data).toEqual({ createPerson: { person: { id: 'urql-ada', active: true } } });
    const read = await client(apiKey)
      .query('query($id: ID!) { person(id: $id) { id } }', { id: 'urql-ada' })
      .toPromise();
    expect(read.data).toEqual({ person: { id: 'urql-ada' } });
  });

  it('surfaces field errors and request-level refusals with extensions.code', async () => {
    const duplicate = await client(apiKey).mutation(createPerson, { id: 'urql-ada' }).toPromise();
    expect(duplicate.error?.graphQLErrors[0]?.extensions.code).toBe('CONFLICT');
    const refused = await client('aq_not-a-key').query('{ person(id: "x") { id } }', {}).toPromise();
    expect(refused.error?.response?.status).toBe(401);
    expect(refused.error?.graphQLErrors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('pages through persons with cursors', async () => {
    for (const id of ['urql-p1', 'urql-p2', 'urql-p3', 'urql-p4']) {
      expect((await client(apiKey).mutation(createPerson, { id }).toPromise()).error).toBeUndefined();
    }
    const ids = await allIds(async (after) => {
      const result = await client(apiKey).query<Page>(personsPage, { after }).toPromise();
      expect(result.error).toBeUndefined();
      return result.data as Page;
    });
    expect(ids.filter((id) => id.startsWith('urql-'))).toEqual([
      'urql-ada',
      'urql-p1',
      'urql-p2',
      'urql-p3',
      'urql-p4',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('@apollo/client (core, no React)', () => {
  const client = (key: string) =>
    new ApolloClient({
      link: new HttpLink({ uri: `${server.url}/graphql`, headers: { authorization: `Bearer ${key}` } }),
      cache: new InMemoryCache(),
      defaultOptions: { query: { fetchPolicy: 'network-only' } },
    });

  it('runs a mutation and a query', async () => {
    const created = await client(apiKey).mutate({ mutation: gql(createPerson), variables: { id: 'apollo-ada' } });
    expect(created.data).toEqual({
      createPerson: { __typename: 'PersonPayload', person: { __typename: 'Person', id: 'apollo-ada', active: true } },
    });
    const read = await client(apiKey).query({
      query: gql('query Read($id: ID!) { person(id: $id) { id } }'),
      variables: { id: 'apollo-ada' },
    });
    expect(read.data).toEqual({ person: { __typename: 'Person', id: 'apollo-ada' } });
  });

  it('surfaces field errors and request-level refusals with extensions.code', async () => {
    const duplicate = await client(apiKey)
      .mutate({ mutation: gql(createPerson), variables: { id: 'apollo-ada' } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(CombinedGraphQLErrors.is(duplicate), String(duplicate)).toBe(true);
    expect((duplicate as CombinedGraphQLErrors).errors[0]?.extensions?.code).toBe('CONFLICT');
    const partial = await client(apiKey).query({
      query: gql('query Missing { person(id: "apollo-ada") { id bucket(name: "no-such-bucket") } }'),
      errorPolicy: 'all',
    });
    expect(partial.error && CombinedGraphQLErrors.is(partial.error)).toBe(true);
    expect((partial.error as CombinedGraphQLErrors).errors[0]?.extensions?.code).toBe('NOT_FOUND');
    const refused = await client('aq_not-a-key')
      .query({ query: gql('query Refused { person(id: "x") { id } }') })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(CombinedGraphQLErrors.is(refused), String(refused)).toBe(true);
    expect((refused as CombinedGraphQLErrors).errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('pages through persons with cursors', async () => {
    for (const id of ['apollo-p1', 'apollo-p2', 'apollo-p3']) {
      await client(apiKey).mutate({ mutation: gql(createPerson), variables: { id } });
    }
    const apollo = client(apiKey);
    const ids = await allIds(async (after) => {
      const result = await apollo.query<Page>({ query: gql(personsPage), variables: { after } });
      return result.data as Page;
    });
    expect(ids.filter((id) => id.startsWith('apollo-'))).toEqual(['apollo-ada', 'apollo-p1', 'apollo-p2', 'apollo-p3']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
