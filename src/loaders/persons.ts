import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db, type Person } from '../db/client.ts';
import { defineLoader } from './registry.ts';

/** Persons of the caller's organization by id, one query per batch; null for unknown ids. */
export const personLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, Person | null>(async (ids) => {
      const rows = await db.person.findMany({ where: { orgId: orgIdOf(ctx), id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
);
