import { type Person, sql } from '../../db/client.ts';
import { personColumns, personFromRow } from '../../db/rows.ts';
import { inList, perDialect, type SqlParam, type SqlRunner } from '../../db/sql/sql-client.ts';
import { forbidden, notFound } from '../../errors.ts';
import type { JsonObject } from '../json.ts';
import { requireBucket } from './buckets.ts';
import { newPersonETag, whyNotTouched } from './etag.ts';

export interface BucketWrite {
  person: Person;
  /** The bucket after the write. */
  attributes: JsonObject;
}

// The rows of a write come as one parameter (a JSON object of name → JSON text; two arrays on PostgreSQL), so
// one statement text serves any number of keys.
const upsert = perDialect((d) =>
  d === 'sqlite'
    ? `INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value")
       SELECT $1, $2, $3, key, value FROM json_each($4) WHERE true
       ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value"`
    : `INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value")
       SELECT $1, $2, $3, n, v FROM unnest($4::text[], $5::text[]) AS rows(n, v)
       ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value"`,
);

function upsertParams(dialect: string, attributes: Record<string, unknown>): SqlParam[] {
  const names = Object.keys(attributes);
  const values = names.map((name) => JSON.stringify(attributes[name]));
  if (dialect === 'sqlite') return [JSON.stringify(Object.fromEntries(names.map((name, i) => [name, values[i]])))];
  return [names, values];
}

/**
 * Sets `attributes` in one bucket with one INSERT … ON CONFLICT DO UPDATE: one row per key, so concurrent
 * merges of different keys never overwrite each other, and nothing is read first.
 */
export async function upsertAttributes(
  tx: SqlRunner,
  orgId: string,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
): Promise<void> {
  if (Object.keys(attributes).length === 0) return;
  await tx.run(upsert, [orgId, personId, bucket, ...upsertParams(tx.dialect, attributes)]);
}

const bucketRows =
  'SELECT "name", "value" FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3 ORDER BY "name"';

/** One bucket of a person as `{ key: value }`. */
export async function readBucket(tx: SqlRunner, orgId: string, personId: string, bucket: string): Promise<JsonObject> {
  const rows = await tx.all<{ name: string; value: string }>(bucketRows, [orgId, personId, bucket]);
  return Object.fromEntries(rows.map((row) => [row.name, JSON.parse(row.value)]));
}

// Touches the person (new eTag, row lock) and reads the bucket's end-user permission in the same statement.
const touchWithBucket = `UPDATE "Person" SET "eTag" = $3, "updatedAt" = $4
  WHERE "orgId" = $1 AND "id" = $2 AND (CAST($5 AS TEXT) IS NULL OR "eTag" = $5)
  RETURNING ${personColumns},
    (SELECT "endUserPermissions" FROM "AttributeBucket" b WHERE b."orgId" = $1 AND b."name" = $6) AS "bucketPermissions"`;

// PostgreSQL: the same touch and the merge's upsert in one statement (one round trip less). The upsert reads the
// touched row, so it runs after the person's lock is taken, and only into a bucket the caller may write.
const touchAndUpsert = `WITH touched AS (${touchWithBucket}),
  written AS (
    INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value")
    SELECT $1, $2, $6, n, v FROM touched, unnest($7::text[], $8::text[]) AS rows(n, v)
    WHERE touched."bucketPermissions" IS NOT NULL AND (NOT $9 OR touched."bucketPermissions" = 'READ_WRITE')
    ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value")
  SELECT * FROM touched`;

interface BucketChange {
  /** Keys to set (merge, replace). */
  upsert?: Record<string, unknown>;
  /** Runs before the upsert (replace clears the bucket, delete removes keys). */
  before?: (tx: SqlRunner) => Promise<void>;
}

/**
 * The frame of every bucket write, in one transaction: touch the person and check the bucket in one statement
 * (an unknown bucket or a forbidden one rolls the touch back), apply the change, read the bucket back.
 */
async function writeBucket(
  orgId: string,
  personId: string,
  bucket: string,
  ifMatch: string | null | undefined,
  change: BucketChange,
  endUser = false,
): Promise<BucketWrite> {
  return sql.transaction(async (tx) => {
    const touchParams = [orgId, personId, newPersonETag(), new Date(), ifMatch ?? null, bucket];
    const { upsert, before } = change;
    const fused = tx.dialect === 'postgresql' && upsert !== undefined && !before;
    const [row] = fused
      ? await tx.all(touchAndUpsert, [...touchParams, ...upsertParams('postgresql', upsert), endUser])
      : await tx.all(touchWithBucket, touchParams);
    // An unknown bucket, then a bucket the end user may not write, are reported before anything about the person.
    const permissions = row ? row.bucketPermissions : (await requireBucket(orgId, bucket, tx)).endUserPermissions;
    if (permissions == null) throw notFound(`Attribute bucket "${bucket}"`);
    if (endUser && permissions !== 'READ_WRITE') throw forbidden(`End users cannot write the bucket "${bucket}".`);
    if (!row) throw await whyNotTouched(tx, orgId, personId, ifMatch);
    if (!fused) {
      await before?.(tx);
      if (upsert) await upsertAttributes(tx, orgId, personId, bucket, upsert);
    }
    const attributes = await readBucket(tx, orgId, personId, bucket);
    return { person: personFromRow(row), attributes };
  });
}

/** Merge: the given keys are set, every other key of the bucket stays. */
export function mergeAttributes(
  orgId: string,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
  ifMatch?: string | null,
  endUser = false,
): Promise<BucketWrite> {
  return writeBucket(orgId, personId, bucket, ifMatch, { upsert: attributes }, endUser);
}

const clearBucket = 'DELETE FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3';

/** Replace: afterwards the bucket holds exactly the given keys. */
export function replaceAttributes(
  orgId: string,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
  ifMatch?: string | null,
): Promise<BucketWrite> {
  return writeBucket(orgId, personId, bucket, ifMatch, {
    // Both statements run under the person's lock, so no merge can slip in between them.
    before: async (tx) => void (await tx.run(clearBucket, [orgId, personId, bucket])),
    upsert: attributes,
  });
}

const deleteNames = perDialect(
  (d) =>
    `DELETE FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3 AND "name" ${inList(d, 4)}`,
);

/** Removes the named keys from the bucket; names that are not there are ignored. */
export function deleteAttributes(
  orgId: string,
  personId: string,
  bucket: string,
  names: readonly string[],
): Promise<BucketWrite> {
  return writeBucket(orgId, personId, bucket, null, {
    before: async (tx) => void (await tx.run(deleteNames, [orgId, personId, bucket, [...new Set(names)]])),
  });
}
