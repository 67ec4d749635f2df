import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db } from '../db/client.ts';
import { defineLoader } from './registry.ts';

export interface HandleRow {
  type: string;
  value: string;
}

/** The handles of persons of the caller's organization, by type then value; one query per batch. */
export const personHandlesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, HandleRow[]>(async (personIds) => {
      const rows = await db.personHandle.findMany({
        where: { orgId: orgIdOf(ctx), personId: { in: [...personIds] } },
        select: { personId: true, type: true, value: true },
        orderBy: [{ type: 'asc' }, { value: 'asc' }],
      });
      const byPerson = new Map<string, HandleRow[]>();
      for (const { personId, ...handle } of rows) {
        const handles = byPerson.get(personId) ?? [];
        handles.push(handle);
        byPerson.set(personId, handles);
      }
      return personIds.map((id) => byPerson.get(id) ?? []);
    }),
);
