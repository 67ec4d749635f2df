import { type Person, sql } from '../db/client.ts';
import { personColumns, personFromRow } from '../db/rows.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';
import { orgKey, orgKeyLists, orgScoped, sharedBatch } from './shared-batch.ts';

const personsById = perDialect(
  (d) => `SELECT ${personColumns} FROM "Person" WHERE "orgId" ${inList(d, 1)} AND "id" ${inList(d, 2)}`,
);

/** Persons by organization and id, read for all concurrent requests at once. */
const sharedPersons = sharedBatch<Person | null>(
  async (keys) => {
    const rows = await sql.all(personsById, orgKeyLists(keys));
    return new Map(rows.map((row) => [orgKey(row.orgId as string, row.id as string), personFromRow(row)]));
  },
  () => null,
);

/** Persons of the caller's organization by id, one query per batch; null for unknown ids. */
export const personLoader = defineLoader((ctx: Reader) => orgScoped(orgIdOf(ctx), sharedPersons));
