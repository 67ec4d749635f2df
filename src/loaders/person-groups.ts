import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';
import { orgKey, orgKeyLists, orgScoped, sharedBatch } from './shared-batch.ts';

const groupsOfPersons = perDialect(
  (d) => `SELECT "orgId", "personId", "groupName" FROM "PersonGroup"
    WHERE "orgId" ${inList(d, 1)} AND "personId" ${inList(d, 2)}`,
);

const sharedGroups = sharedBatch<string[]>(
  async (keys) => {
    const rows = await sql.all<{ orgId: string; personId: string; groupName: string }>(
      groupsOfPersons,
      orgKeyLists(keys),
    );
    const byPerson = new Map<string, string[]>();
    for (const row of rows) {
      const key = orgKey(row.orgId, row.personId);
      const groups = byPerson.get(key);
      if (groups) groups.push(row.groupName);
      else byPerson.set(key, [row.groupName]);
    }
    // Sorted here, not in SQL: database collations differ, and both providers must answer alike.
    for (const groups of byPerson.values()) groups.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return byPerson;
  },
  () => [],
);

/** The group names of persons of the caller's organization, sorted; one query per batch. */
export const personGroupsLoader = defineLoader((ctx: Reader) => orgScoped(orgIdOf(ctx), sharedGroups));
