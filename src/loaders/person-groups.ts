import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { defineLoader } from './registry.ts';

const groupsOfPersons = perDialect(
  (d) => `SELECT "personId", "groupName" FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" ${inList(d, 2)}`,
);

/** The group names of persons of the caller's organization, sorted; one query per batch. */
export const personGroupsLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, string[]>(async (personIds) => {
      const rows = await sql.all<{ personId: string; groupName: string }>(groupsOfPersons, [
        orgIdOf(ctx),
        [...personIds],
      ]);
      // Sorted here, not in SQL: database collations differ, and both providers must answer alike.
      rows.sort((a, b) => (a.groupName < b.groupName ? -1 : a.groupName > b.groupName ? 1 : 0));
      const byPerson = new Map<string, string[]>();
      for (const row of rows) {
        const groups = byPerson.get(row.personId) ?? [];
        groups.push(row.groupName);
        byPerson.set(row.personId, groups);
      }
      return personIds.map((id) => byPerson.get(id) ?? []);
    }),
);
