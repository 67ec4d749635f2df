import { beforeAll, describe, expect, it } from 'vitest';
import { statementCounter } from '../src/db/statement-counter.ts';
import { onPostgres } from './helpers/database.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import {
  createAttribute,
  createPersons,
  setGroupValues,
  setPersonGroups,
  setUserValue,
  type ValueJson,
} from './helpers/user-attributes.ts';

// N+1 is a bug (CONTRACT §7): listing persons with groups, roles, attributes and attributeValues costs the same
// number of SQL statements for a page of 1, 10 or 100 persons, counted at the driver adapter.
let auth: string;
const personIds = Array.from({ length: 100 }, (_, index) => `p${String(index).padStart(3, '0')}`);

beforeAll(async () => {
  const org = await newOrg('statements');
  auth = org.apiKey;
  const tier = await createAttribute(auth, { name: 'tier', defaultValue: 'basic' });
  const city = await createAttribute(auth, { name: 'city' });
  const flag = await createAttribute(auth, { name: 'flag', type: 'YESNO', defaultValue: 'no' });
  await setGroupValues(auth, tier.id, [
    { group: 'gold', value: 'gold-tier', rank: 1 },
    { group: 'silver', value: 'silver-tier', rank: 2 },
  ]);
  await setGroupValues(auth, city.id, [{ group: 'silver', value: 'Oslo' }]);
  await createPersons(auth, personIds);
  for (const [index, id] of personIds.entries()) {
    // Every person is in at least one group; some have own values, so every source shows up on every page.
    await setPersonGroups(auth, id, index % 2 === 0 ? ['gold', 'silver'] : ['silver', `team${index % 7}`]);
    if (index % 3 === 0) await setUserValue(auth, id, flag.id, 'yes');
  }
}, 300_000);

const listing = `query($first: Int!) {
  persons(first: $first) {
    nodes {
      id groups roles attributes
      attributeValues(allValues: true) { name source value rank sourceGroup userId }
    }
  }
}`;

type Listing = { persons: { nodes: { id: string; groups: string[]; attributeValues: ValueJson[] }[] } };

async function measure(first: number) {
  const { result, count, statements } = await statementCounter.measure(() =>
    gql<Listing>(listing, { first }, { auth }),
  );
  return { data: expectData(result), count, statements };
}

describe(`fixed statement count (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('persons(first: N) with groups, roles, attributes and attributeValues: same count for N = 1, 10, 100', async () => {
    await measure(1); // warm-up: nothing lazily loaded on the first request counts
    const one = await measure(1);
    const ten = await measure(10);
    const hundred = await measure(100);
    expect(one.data.persons.nodes).toHaveLength(1);
    expect(ten.data.persons.nodes).toHaveLength(10);
    expect(hundred.data.persons.nodes).toHaveLength(100);

    // The answers are real: p000 is in gold and silver and has its own flag.
    const first = hundred.data.persons.nodes.find((node) => node.id === 'p000');
    expect(first?.attributeValues.map((v) => [v.name, v.source, v.value, v.rank, v.sourceGroup])).toEqual([
      ['city', 'GROUP', 'Oslo', 1, 'silver'],
      ['flag', 'USER', 'yes', null, null],
      ['flag', 'DEFAULT', 'no', null, null],
      ['tier', 'GROUP', 'gold-tier', 1, 'gold'],
      ['tier', 'GROUP', 'silver-tier', 2, 'silver'],
      ['tier', 'DEFAULT', 'basic', null, null],
    ]);
    for (const node of hundred.data.persons.nodes) {
      expect(node.attributeValues.every((v) => v.userId === node.id)).toBe(true);
      expect(node.groups.length).toBeGreaterThan(0);
    }

    expect(ten.count, ten.statements.join('\n')).toBe(one.count);
    expect(hundred.count, hundred.statements.join('\n')).toBe(one.count);
    // §7's share: one statement each for the definitions, the group values and the own values.
    const userAttributeStatements = hundred.statements.filter((sql) =>
      /FROM\s+\S*[`"]UserAttribute(GroupValue|Value)?[`"]/.test(sql),
    );
    expect(userAttributeStatements, userAttributeStatements.join('\n')).toHaveLength(3);
  });

  it('aliased person(id:) lookups with attributeValues: same count for 1 and 20 persons', async () => {
    const query = (ids: string[]) =>
      `{ ${ids.map((id, i) => `p${i}: person(id: "${id}") { id attributeValues(allValues: true, includeUnset: true) { name source value } }`).join(' ')} }`;
    const run = async (ids: string[]) => {
      const { result, count } = await statementCounter.measure(() =>
        gql<Record<string, unknown>>(query(ids), {}, { auth }),
      );
      const data = expectData(result);
      expect(Object.keys(data)).toHaveLength(ids.length);
      return count;
    };
    await run(personIds.slice(0, 1));
    const single = await run(personIds.slice(0, 1));
    expect(await run(personIds.slice(0, 20))).toBe(single);
  });
});
