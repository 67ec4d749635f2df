import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { sql, type UserAttribute } from '../db/client.ts';
import { userAttributeFromRow } from '../db/rows.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { byName, type GroupValueRow } from '../domain/user-attributes/resolve.ts';
import { defineLoader } from './registry.ts';

const definitionsOfOrg = 'SELECT * FROM "UserAttribute" WHERE "orgId" = $1';
const ownValuesOfPersons = perDialect(
  (d) => `SELECT "personId", "userAttributeId", "value" FROM "UserAttributeValue"
    WHERE "orgId" = $1 AND "personId" ${inList(d, 2)}`,
);
const valuesOfGroups = perDialect(
  (d) => `SELECT "userAttributeId", "groupName", "value", "rank" FROM "UserAttributeGroupValue"
    WHERE "orgId" = $1 AND "groupName" ${inList(d, 2)}`,
);

/** The organization's attribute definitions, by name: one query per request, whatever the number of persons. */
export const userAttributesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, UserAttribute[]>(async (orgIds) => {
      const orgId = orgIdOf(ctx);
      const rows = (await sql.all(definitionsOfOrg, [orgId])).map(userAttributeFromRow);
      rows.sort(byName);
      // The key is always the caller's organization; anything else would be another org's data.
      return orgIds.map((key) => (key === orgId ? rows : []));
    }),
);

/** Persons' own values (userAttributeId → value), one query per batch of persons. */
export const ownAttributeValuesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, Map<string, string>>(async (personIds) => {
      const rows = await sql.all<{ personId: string; userAttributeId: string; value: string }>(ownValuesOfPersons, [
        orgIdOf(ctx),
        [...personIds],
      ]);
      const byPerson = new Map<string, Map<string, string>>();
      for (const row of rows) {
        const values = byPerson.get(row.personId) ?? new Map<string, string>();
        values.set(row.userAttributeId, row.value);
        byPerson.set(row.personId, values);
      }
      return personIds.map((id) => byPerson.get(id) ?? new Map());
    }),
);

/** Group values of every attribute by group name, one query per batch of group names. */
export const groupAttributeValuesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, GroupValueRow[]>(async (groupNames) => {
      const rows = await sql.all<{ userAttributeId: string; groupName: string; value: string; rank: number }>(
        valuesOfGroups,
        [orgIdOf(ctx), [...groupNames]],
      );
      const byGroup = new Map<string, GroupValueRow[]>();
      for (const row of rows) {
        const values = byGroup.get(row.groupName) ?? [];
        values.push({ ...row, rank: Number(row.rank) });
        byGroup.set(row.groupName, values);
      }
      return groupNames.map((name) => byGroup.get(name) ?? []);
    }),
);
