import DataLoader from 'dataloader';
import { sql, type UserAttribute } from '../db/client.ts';
import { userAttributeColumns, userAttributeFromRow } from '../db/rows.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';
import { orgKey, orgKeyLists, orgScoped, sharedBatch } from './shared-batch.ts';

/** A group's value of an attribute, as read for precedence resolution. */
export interface GroupValueRow {
  userAttributeId: string;
  groupName: string;
  value: string;
  rank: number;
}

/** By name, code unit order, so both databases (whatever their collation) list attributes alike. */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

const definitionsOfOrgs = perDialect(
  (d) => `SELECT ${userAttributeColumns} FROM "UserAttribute" WHERE "orgId" ${inList(d, 1)}`,
);
const ownValuesOfPersons = perDialect(
  (d) => `SELECT "orgId", "personId", "userAttributeId", "value" FROM "UserAttributeValue"
    WHERE "orgId" ${inList(d, 1)} AND "personId" ${inList(d, 2)}`,
);
const valuesOfGroups = perDialect(
  (d) => `SELECT "orgId", "userAttributeId", "groupName", "value", "rank" FROM "UserAttributeGroupValue"
    WHERE "orgId" ${inList(d, 1)} AND "groupName" ${inList(d, 2)}`,
);

/** Every list of rows of a batch, grouped by the key each row belongs to. */
function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

const sharedDefinitions = sharedBatch<UserAttribute[]>(
  async (orgIds) => {
    const byOrg = groupBy((await sql.all(definitionsOfOrgs, [[...orgIds]])).map(userAttributeFromRow), (a) => a.orgId);
    for (const attributes of byOrg.values()) attributes.sort(byName);
    return byOrg;
  },
  () => [],
);

const sharedOwnValues = sharedBatch<Map<string, string>>(
  async (keys) => {
    const rows = await sql.all<{ orgId: string; personId: string; userAttributeId: string; value: string }>(
      ownValuesOfPersons,
      orgKeyLists(keys),
    );
    const byPerson = groupBy(rows, (row) => orgKey(row.orgId, row.personId));
    return new Map(
      [...byPerson].map(([key, values]) => [key, new Map(values.map((v) => [v.userAttributeId, v.value]))]),
    );
  },
  () => new Map(),
);

const sharedGroupValues = sharedBatch<GroupValueRow[]>(
  async (keys) => {
    const rows = await sql.all<{
      orgId: string;
      userAttributeId: string;
      groupName: string;
      value: string;
      rank: number;
    }>(valuesOfGroups, orgKeyLists(keys));
    const byGroup = groupBy(rows, (row) => orgKey(row.orgId, row.groupName));
    return new Map(
      [...byGroup].map(([key, values]) => [
        key,
        values.map(({ userAttributeId, groupName, value, rank }) => ({
          userAttributeId,
          groupName,
          value,
          rank: Number(rank),
        })),
      ]),
    );
  },
  () => [],
);

/** The organization's attribute definitions, by name: one query per request, whatever the number of persons. */
export const userAttributesLoader = defineLoader(
  (ctx: Reader) =>
    new DataLoader<string, UserAttribute[]>(async (orgIds) => {
      const orgId = orgIdOf(ctx);
      const rows = await sharedDefinitions(orgId);
      // The key is always the caller's organization; anything else would be another org's data.
      return orgIds.map((key) => (key === orgId ? rows : []));
    }),
);

/** Persons' own values (userAttributeId → value), one query per batch of persons. */
export const ownAttributeValuesLoader = defineLoader((ctx: Reader) => orgScoped(orgIdOf(ctx), sharedOwnValues));

/** Group values of every attribute by group name, one query per batch of group names. */
export const groupAttributeValuesLoader = defineLoader((ctx: Reader) => orgScoped(orgIdOf(ctx), sharedGroupValues));
