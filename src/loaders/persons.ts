import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { type Person, sql } from '../db/client.ts';
import { personColumns, personFromRow } from '../db/rows.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { defineLoader } from './registry.ts';

const personsById = perDialect(
  (d) => `SELECT ${personColumns} FROM "Person" WHERE "orgId" = $1 AND "id" ${inList(d, 2)}`,
);

/** Persons of the caller's organization by id, one query per batch; null for unknown ids. */
export const personLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, Person | null>(async (ids) => {
      const rows = await sql.all(personsById, [orgIdOf(ctx), [...ids]]);
      const byId = new Map(rows.map((row) => [row.id as string, personFromRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
);
