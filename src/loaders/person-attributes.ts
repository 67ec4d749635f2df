import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { defineLoader } from './registry.ts';

const attributesOfPersons = perDialect(
  (d) => `SELECT "personId", "bucket", "name", "value" FROM "PersonAttribute"
    WHERE "orgId" = $1 AND "personId" ${inList(d, 2)} ORDER BY "bucket", "name"`,
);

/** Every stored attribute of persons of the caller's organization, as bucket → name → JSON text; one query per batch. */
export const personAttributesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, Map<string, Map<string, string>>>(async (personIds) => {
      const rows = await sql.all<{ personId: string; bucket: string; name: string; value: string }>(
        attributesOfPersons,
        [orgIdOf(ctx), [...personIds]],
      );
      const byPerson = new Map<string, Map<string, Map<string, string>>>();
      for (const row of rows) {
        const buckets = byPerson.get(row.personId) ?? new Map<string, Map<string, string>>();
        byPerson.set(row.personId, buckets);
        const bucket = buckets.get(row.bucket) ?? new Map<string, string>();
        buckets.set(row.bucket, bucket);
        bucket.set(row.name, row.value);
      }
      return personIds.map((id) => byPerson.get(id) ?? new Map());
    }),
);
