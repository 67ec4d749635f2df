import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db } from '../db/client.ts';
import { defineLoader } from './registry.ts';

/** The group names of persons of the caller's organization, sorted; one query per batch. */
export const personGroupsLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, string[]>(async (personIds) => {
      const rows = await db.personGroup.findMany({
        where: { orgId: orgIdOf(ctx), personId: { in: [...personIds] } },
        select: { personId: true, groupName: true },
      });
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
