import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db, type UserAttribute } from '../db/client.ts';
import { byName, type GroupValueRow } from '../domain/user-attributes/resolve.ts';
import { defineLoader } from './registry.ts';

/** The organization's attribute definitions, by name: one query per request, whatever the number of persons. */
export const userAttributesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, UserAttribute[]>(async (orgIds) => {
      const orgId = orgIdOf(ctx);
      const rows = await db.userAttribute.findMany({ where: { orgId } });
      rows.sort(byName);
      // The key is always the caller's organization; anything else would be another org's data.
      return orgIds.map((key) => (key === orgId ? rows : []));
    }),
);

/** Persons' own values (userAttributeId → value), one query per batch of persons. */
export const ownAttributeValuesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, Map<string, string>>(async (personIds) => {
      const rows = await db.userAttributeValue.findMany({
        where: { orgId: orgIdOf(ctx), personId: { in: [...personIds] } },
        select: { personId: true, userAttributeId: true, value: true },
      });
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
      const rows = await db.userAttributeGroupValue.findMany({
        where: { orgId: orgIdOf(ctx), groupName: { in: [...groupNames] } },
        select: { userAttributeId: true, groupName: true, value: true, rank: true },
      });
      const byGroup = new Map<string, GroupValueRow[]>();
      for (const row of rows) {
        const values = byGroup.get(row.groupName) ?? [];
        values.push(row);
        byGroup.set(row.groupName, values);
      }
      return groupNames.map((name) => byGroup.get(name) ?? []);
    }),
);
