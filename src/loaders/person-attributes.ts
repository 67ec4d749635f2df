import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';
import { orgKey, orgKeyLists, orgScoped, sharedBatch } from './shared-batch.ts';

/** bucket → name → JSON text */
export type StoredAttributes = Map<string, Map<string, string>>;

const attributesOfPersons = perDialect(
  (d) => `SELECT "orgId", "personId", "bucket", "name", "value" FROM "PersonAttribute"
    WHERE "orgId" ${inList(d, 1)} AND "personId" ${inList(d, 2)} ORDER BY "bucket", "name"`,
);

const sharedAttributes = sharedBatch<StoredAttributes>(
  async (keys) => {
    const rows = await sql.all<{ orgId: string; personId: string; bucket: string; name: string; value: string }>(
      attributesOfPersons,
      orgKeyLists(keys),
    );
    const byPerson = new Map<string, StoredAttributes>();
    for (const row of rows) {
      const key = orgKey(row.orgId, row.personId);
      const buckets = byPerson.get(key) ?? new Map<string, Map<string, string>>();
      byPerson.set(key, buckets);
      const bucket = buckets.get(row.bucket) ?? new Map<string, string>();
      buckets.set(row.bucket, bucket);
      bucket.set(row.name, row.value);
    }
    return byPerson;
  },
  () => new Map(),
);

/** Every stored attribute of persons of the caller's organization; one query per batch. */
export const personAttributesLoader = defineLoader((ctx: Reader) => orgScoped(orgIdOf(ctx), sharedAttributes));
