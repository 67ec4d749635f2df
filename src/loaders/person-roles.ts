import DataLoader from 'dataloader';
import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';

const rolesOfPersons = perDialect(
  (d) => `SELECT pr."personId" AS "personId", r."name" AS "name"
    FROM "PersonRole" pr JOIN "Role" r ON r."orgId" = pr."orgId" AND r."id" = pr."roleId"
    WHERE pr."orgId" = $1 AND pr."personId" ${inList(d, 2)}`,
);

/** The bare role names of persons of the caller's organization, sorted; one joined query per batch. */
export const personRolesLoader = defineLoader(
  (ctx: Reader) =>
    new DataLoader<string, string[]>(async (personIds) => {
      const rows = await sql.all<{ personId: string; name: string }>(rolesOfPersons, [orgIdOf(ctx), [...personIds]]);
      // Sorted here, not in SQL: database collations differ, and both providers must answer alike.
      rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const byPerson = new Map<string, string[]>();
      for (const row of rows) {
        const roles = byPerson.get(row.personId) ?? [];
        roles.push(row.name);
        byPerson.set(row.personId, roles);
      }
      return personIds.map((id) => byPerson.get(id) ?? []);
    }),
);
