import { beforeAll, describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { createPerson, createRoleDoc, issuePaths } from './helpers/persons.ts';

let org: { orgId: string; apiKey: string };

const listDoc = `query List($first: Int, $after: String, $filter: PersonFilter) {
  persons(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id } }
    nodes { id }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { id: string } }[];
  nodes: { id: string }[];
}

const list = async (variables: Record<string, unknown>, auth = org.apiKey) =>
  expectData(await gql<{ persons: Page }>(listDoc, variables, { auth })).persons;

const ids = Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`);

beforeAll(async () => {
  org = await newOrg('list');
  for (const name of ['admin', 'viewer'])
    expectData(await gql(createRoleDoc, { input: { name } }, { auth: org.apiKey }));
  // Created one after another, so creation order is the id order here.
  for (const [i, id] of ids.entries()) {
    await createPerson(org.apiKey, {
      id,
      active: i % 5 !== 0,
      groups: i % 2 === 0 ? ['even-ones'] : ['odd-ones'],
      roles: i % 3 === 0 ? ['admin'] : [],
      handles: [{ type: 'EMAIL_ADDRESS', value: `Person${i}@Example.com` }],
      attributes: { end_user_read_write: { n: i } },
    });
  }
});

describe('persons', () => {
  it('pages through every person in creation order with opaque cursors and a stable totalCount', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = await list({ first: 10, after });
      expect(page.totalCount).toBe(25);
      expect(page.nodes.map((node) => node.id)).toEqual(page.edges.map((edge) => edge.node.id));
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      seen.push(...page.nodes.map((node) => node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('defaults to 20 and accepts first = 1 and 100; refuses 0 and 101', async () => {
    expect((await list({})).nodes).toHaveLength(20);
    expect((await list({ first: 1 })).nodes.map((node) => node.id)).toEqual(['p00']);
    expect((await list({ first: 100 })).nodes).toHaveLength(25);
    for (const first of [0, 101, -1]) {
      const response = await gql(listDoc, { first }, { auth: org.apiKey });
      expectError(response, 'BAD_USER_INPUT');
      expect(issuePaths(response)).toEqual([['first']]);
    }
  });

  it('refuses a cursor it did not issue', async () => {
    const encoded = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');
    // Well-formed, but no date can be that far out: still a bad cursor, not an internal error.
    for (const after of ['garbage', encoded([1, 2]), '', encoded([9e15, 'x']), encoded([-9e15, 'x'])]) {
      const response = await gql(listDoc, { after }, { auth: org.apiKey });
      expectError(response, 'BAD_USER_INPUT');
      expect(issuePaths(response)).toEqual([['after']]);
    }
  });

  it('filters by active, group, role (bare or qualified) and handle (emails case-insensitively)', async () => {
    const idsOf = async (filter: Record<string, unknown>) => {
      const page = await list({ first: 100, filter });
      expect(page.totalCount).toBe(page.nodes.length);
      return page.nodes.map((node) => node.id);
    };
    expect(await idsOf({ active: false })).toEqual(ids.filter((_, i) => i % 5 === 0));
    expect(await idsOf({ group: 'odd-ones' })).toEqual(ids.filter((_, i) => i % 2 === 1));
    const admins = ids.filter((_, i) => i % 3 === 0);
    expect(await idsOf({ role: 'admin' })).toEqual(admins);
    expect(await idsOf({ role: `${org.orgId}/admin` })).toEqual(admins);
    expect(await idsOf({ role: 'viewer' })).toEqual([]);
    expect(await idsOf({ role: 'other-org/admin' })).toEqual([]);
    expect(await idsOf({ handle: 'PERSON7@example.COM' })).toEqual(['p07']);
    expect(await idsOf({ handle: 'nobody@example.com' })).toEqual([]);
    expect(await idsOf({ active: true, group: 'even-ones', role: 'admin' })).toEqual(
      ids.filter((_, i) => i % 5 !== 0 && i % 2 === 0 && i % 3 === 0),
    );
    // Filters and pages combine: the second page of a filter.
    const first = await list({ first: 2, filter: { group: 'even-ones' } });
    const second = await list({ first: 2, after: first.pageInfo.endCursor, filter: { group: 'even-ones' } });
    expect(second.nodes.map((node) => node.id)).toEqual(['p04', 'p06']);
    expect(second.totalCount).toBe(13);
  });

  it('costs the same number of statements for 5 or 25 persons with handles, groups, roles and attributes', async () => {
    const doc = `query L($first: Int) { persons(first: $first) {
      totalCount nodes { id handles { type value } groups roles attributes bucket(name: "end_user_read_write") }
    } }`;
    const small = await statementCounter.measure(() => gql(doc, { first: 5 }, { auth: org.apiKey }));
    const large = await statementCounter.measure(() => gql(doc, { first: 25 }, { auth: org.apiKey }));
    expectData(large.result);
    expect((large.result.data as { persons: { nodes: unknown[] } }).persons.nodes).toHaveLength(25);
    expect(large.count).toBe(small.count);
    expect(large.count).toBeLessThanOrEqual(9);
    const nodes = (
      large.result.data as { persons: { nodes: { id: string; bucket: { n: number }; roles: string[] }[] } }
    ).persons.nodes;
    expect(nodes[3]).toMatchObject({ id: 'p03', bucket: { n: 3 }, roles: [`${org.orgId}/admin`] });
  });

  it('does not list another organization’s persons', async () => {
    const other = await newOrg('list-other');
    await createPerson(other.apiKey, { id: 'p00' });
    const page = await list({ first: 100 }, other.apiKey);
    expect(page.totalCount).toBe(1);
    expect(page.nodes.map((node) => node.id)).toEqual(['p00']);
  });
});
