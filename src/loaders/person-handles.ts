import DataLoader from 'dataloader';
import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';

export interface HandleRow {
  type: string;
  value: string;
}

const handlesOfPersons = perDialect(
  (d) => `SELECT "personId", "type", "value" FROM "PersonHandle"
    WHERE "orgId" = $1 AND "personId" ${inList(d, 2)} ORDER BY "type", "value"`,
);

/** The handles of persons of the caller's organization, by type then value; one query per batch. */
export const personHandlesLoader = defineLoader(
  (ctx: Reader) =>
    new DataLoader<string, HandleRow[]>(async (personIds) => {
      const rows = await sql.all<{ personId: string; type: string; value: string }>(handlesOfPersons, [
        orgIdOf(ctx),
        [...personIds],
      ]);
      const byPerson = new Map<string, HandleRow[]>();
      for (const { personId, type, value } of rows) {
        const handles = byPerson.get(personId) ?? [];
        handles.push({ type, value });
        byPerson.set(personId, handles);
      }
      return personIds.map((id) => byPerson.get(id) ?? []);
    }),
);
