import { beforeAll, describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { createPersonDoc, createRoleDoc, type PersonJson, patchPersonDoc } from './helpers/persons.ts';

// createPerson writes its handles, groups and roles one INSERT each, whatever their number (one statement per
// item held SQLite's process-wide lock for the whole list: 40,000 groups took 482 ms). The statement count of a
// person with one of each equals that of a person with the most the contract allows (100 groups, 20 handles).

let org: { orgId: string; apiKey: string };
const roleNames = ['admin', 'editor', 'viewer', 'auditor'];

beforeAll(async () => {
  org = await newOrg('bulk');
  for (const name of roleNames) expectData(await gql(createRoleDoc, { input: { name } }, { auth: org.apiKey }));
});

const handles = (count: number, owner: string) =>
  Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { type: 'EMAIL_ADDRESS', value: `${owner}${i}@Example.COM` }
      : { type: 'USERNAME', value: `${owner}-${i}` },
  );
const groups = (count: number) => Array.from({ length: count }, (_, i) => `group-${i}`);

async function create(input: Record<string, unknown>) {
  const measured = await statementCounter.measure(() =>
    gql<{ createPerson: { person: PersonJson } }>(createPersonDoc, { input }, { auth: org.apiKey }),
  );
  return { person: expectData(measured.result).createPerson.person, count: measured.count };
}

describe('createPerson lists', () => {
  it('costs the same statements for 1 and for 100 groups, 1 and 20 handles, 1 and 4 roles', async () => {
    const small = await create({ id: 'small', groups: groups(1), handles: handles(1, 'small'), roles: ['admin'] });
    const large = await create({ id: 'large', groups: groups(100), handles: handles(20, 'large'), roles: roleNames });
    expect(large.count).toBe(small.count);

    expect(large.person.groups).toEqual(groups(100).sort());
    expect(large.person.roles).toEqual(roleNames.map((name) => `${org.orgId}/${name}`).sort());
    const sortHandles = (list: { type: string; value: string }[]) =>
      [...list].sort((a, b) => `${a.type} ${a.value}`.localeCompare(`${b.type} ${b.value}`));
    expect(sortHandles(large.person.handles)).toEqual(sortHandles(handles(20, 'large')));
  });

  it('handles are normalized per row: an email taken in another case is a CONFLICT, and nothing of it stays', async () => {
    await create({ id: 'owner', handles: [{ type: 'EMAIL_ADDRESS', value: 'taken@example.com' }] });
    const refused = await gql(
      createPersonDoc,
      {
        input: {
          id: 'second',
          groups: groups(3),
          handles: [...handles(3, 'second'), { type: 'EMAIL_ADDRESS', value: 'TAKEN@example.com' }],
        },
      },
      { auth: org.apiKey },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const person = await gql<{ person: PersonJson | null }>(
      'query P($id: ID!) { person(id: $id) { id } }',
      { id: 'second' },
      { auth: org.apiKey },
    );
    expect(expectData(person).person).toBeNull();
  });

  it('patchPerson replaces roles with the same statements for 1 and for 4 roles', async () => {
    await create({ id: 'patched' });
    const patch = (roles: string[]) =>
      statementCounter.measure(() =>
        gql(patchPersonDoc, { input: { personId: 'patched', roles } }, { auth: org.apiKey }),
      );
    const one = await patch(['admin']);
    const four = await patch(roleNames);
    expect(one.result.errors).toBeUndefined();
    expect(four.result.errors).toBeUndefined();
    expect(four.count).toBe(one.count);
  });
});
