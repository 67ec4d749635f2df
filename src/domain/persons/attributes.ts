import { type Person, sql } from '../../db/client.ts';
import { personColumns, personFromRow } from '../../db/rows.ts';
import { inList, perDialect, type SqlParam, type SqlRunner } from '../../db/sql/sql-client.ts';
import { forbidden, notFound } from '../../errors.ts';
import type { Writer } from '../history/change.ts';
import { asStored, changedValues, type StoredValues } from '../history/diff.ts';
import { changeCommitted, recordChange } from '../history/record.ts';
import type { JsonObject } from '../json.ts';
import { maxBucketBytes, maxBucketKeys, requireWithinQuota, sizeOf } from './bucket-quota.ts';
import { requireBucket } from './buckets.ts';
import { newPersonETag, whyNotTouched } from './etag.ts';
import { personLocked } from './person-lock.ts';

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
  'SELECT "name", "value" FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3';

/** One bucket of a person as stored: name → JSON text. */
async function readStored(tx: SqlRunner, orgId: string, personId: string, bucket: string): Promise<StoredValues> {
  const rows = await tx.all<{ name: string; value: string }>(bucketRows, [orgId, personId, bucket]);
  return new Map(rows.map((row) => [row.name, row.value]));
}

/** Stored values as `{ key: value }`, keys in code-unit order. */
function asObject(stored: StoredValues): JsonObject {
  const names = [...stored.keys()].sort();
  return Object.fromEntries(names.map((name) => [name, JSON.parse(stored.get(name) as string)]));
}

// Touches the person (its writer lock first on PostgreSQL, person-lock.ts; then a new eTag and the row lock) and
// reads the bucket's end-user permission in the same statement.
const touchWithBucket = perDialect((d) => {
  const lock = personLocked(d, '$1', '$2');
  return `${lock.with} UPDATE "Person" SET "eTag" = $3, "updatedAt" = $4
  WHERE "orgId" = $1 AND "id" = $2 AND (CAST($5 AS TEXT) IS NULL OR "eTag" = $5) AND ${lock.when}
  RETURNING ${personColumns},
    (SELECT "endUserPermissions" FROM "AttributeBucket" b WHERE b."orgId" = $1 AND b."name" = $6) AS "bucketPermissions"`;
});

// PostgreSQL: a merge's upsert and its change-log entry in one statement (one round trip), run after the touch
// took the person's locks, so `old` (this statement's snapshot) is the bucket as the last writer left it. Entries
// are the keys whose stored text changes; nothing is logged when none does. The bucket's size after the merge is
// computed first and nothing is written or logged when it passes the quota ($10 keys, $11 bytes); the caller then
// refuses the write and the touch rolls back. Returns the bucket as it was and its size after the merge.
const mergeAndRecord = `WITH incoming AS (SELECT n, v FROM unnest($4::text[], $5::text[]) AS rows(n, v)),
  old AS (SELECT "name", "value" FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3),
  size AS (
    SELECT count(*) AS "keys", coalesce(sum(octet_length(v)), 0) AS "bytes" FROM (
      SELECT v FROM incoming
      UNION ALL SELECT "value" FROM old WHERE NOT EXISTS (SELECT 1 FROM incoming WHERE n = old."name")) AS kept(v)),
  fits AS (SELECT "keys" <= $10 AND "bytes" <= $11 AS ok FROM size),
  written AS (
    INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value")
    SELECT $1, $2, $3, n, v FROM incoming WHERE (SELECT ok FROM fits)
    ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value"),
  changed AS (
    SELECT json_agg(json_build_object('area', 'ATTRIBUTE', 'bucket', $3::text, 'name', i.n,
      'before', old."value"::json, 'after', i.v::json) ORDER BY i.n COLLATE "C") AS entries
    FROM incoming i LEFT JOIN old ON old."name" = i.n WHERE old."value" IS DISTINCT FROM i.v),
  logged AS (
    INSERT INTO "PersonChange" ("txid", "orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
    SELECT pg_current_xact_id()::text::bigint, $1, $2, 'UPDATED', $6, $7, $8, $9, entries::text
    FROM changed WHERE entries IS NOT NULL AND (SELECT ok FROM fits) RETURNING 1)
  SELECT (SELECT json_object_agg("name", "value") FROM old)::text AS "old", (SELECT count(*) FROM logged) AS "logged",
    (SELECT "keys" FROM size) AS "keys", (SELECT "bytes" FROM size) AS "bytes"`;

interface BucketChange {
  /** Writes the change, given the bucket as stored before it. */
  apply: (tx: SqlRunner, before: StoredValues) => Promise<void>;
  /** The bucket as stored after it. */
  result: (before: StoredValues) => StoredValues;
  /** A merge's keys: on PostgreSQL written and logged by one statement. */
  merge?: Record<string, unknown>;
  /** Whether the bucket may grow, so the quota is checked (a delete only shrinks it). */
  mayGrow: boolean;
}

/**
 * The frame of every bucket write, in one transaction: touch the person and check the bucket in one statement
 * (an unknown bucket or a forbidden one rolls the touch back), read the bucket, apply the change and log what
 * changed (one more statement), then answer the bucket after the write. The bucket quota is checked on the bucket
 * as the person's lock shows it (SQLite: the write transaction), so concurrent writers cannot pass it together.
 */
async function writeBucket(
  by: Writer,
  personId: string,
  bucket: string,
  ifMatch: string | null | undefined,
  change: BucketChange,
  endUser = false,
): Promise<BucketWrite> {
  const { orgId } = by;
  return sql.transaction(async (tx) => {
    const at = new Date();
    const [row] = await tx.all(touchWithBucket, [orgId, personId, newPersonETag(), at, ifMatch ?? null, bucket]);
    // An unknown bucket, then a bucket the end user may not write, are reported before anything about the person.
    const permissions = row ? row.bucketPermissions : (await requireBucket(orgId, bucket, tx)).endUserPermissions;
    if (permissions == null) throw notFound(`Attribute bucket "${bucket}"`);
    if (endUser && permissions !== 'READ_WRITE') throw forbidden(`End users cannot write the bucket "${bucket}".`);
    if (!row) throw await whyNotTouched(tx, orgId, personId, ifMatch);
    const person = personFromRow(row);

    let before: StoredValues;
    if (tx.dialect === 'postgresql' && change.merge) {
      const [names, values] = upsertParams('postgresql', change.merge) as [string[], string[]];
      const { actor } = by;
      const [result] = await tx.all(mergeAndRecord, [
        orgId,
        personId,
        bucket,
        names,
        values,
        person.eTag,
        at,
        actor.kind,
        actor.id,
        maxBucketKeys(),
        maxBucketBytes(),
      ]);
      requireWithinQuota(bucket, { keys: Number(result?.keys), bytes: Number(result?.bytes) });
      before = new Map(Object.entries(JSON.parse((result?.old as string | null) ?? '{}') as Record<string, string>));
      if (Number(result?.logged) > 0) tx.afterCommit(() => changeCommitted(orgId));
    } else {
      before = await readStored(tx, orgId, personId, bucket);
      if (change.mayGrow) requireWithinQuota(bucket, sizeOf(change.result(before)));
      await change.apply(tx, before);
      const entries = changedValues('ATTRIBUTE', before, change.result(before), { bucket });
      await recordChange(tx, by, { personId, kind: 'UPDATED', eTag: person.eTag, entries, at });
    }
    return { person, attributes: asObject(change.result(before)) };
  });
}

/** Merge: the given keys are set, every other key of the bucket stays. */
export function mergeAttributes(
  by: Writer,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
  ifMatch?: string | null,
  endUser = false,
): Promise<BucketWrite> {
  const written = asStored(attributes);
  return writeBucket(
    by,
    personId,
    bucket,
    ifMatch,
    {
      apply: (tx) => upsertAttributes(tx, by.orgId, personId, bucket, attributes),
      result: (before) => new Map([...before, ...written]),
      merge: attributes,
      mayGrow: true,
    },
    endUser,
  );
}

const clearBucket = 'DELETE FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3';

/** Replace: afterwards the bucket holds exactly the given keys. */
export function replaceAttributes(
  by: Writer,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
  ifMatch?: string | null,
): Promise<BucketWrite> {
  return writeBucket(by, personId, bucket, ifMatch, {
    // Both statements run under the person's lock, so no merge can slip in between them.
    apply: async (tx) => {
      await tx.run(clearBucket, [by.orgId, personId, bucket]);
      await upsertAttributes(tx, by.orgId, personId, bucket, attributes);
    },
    result: () => asStored(attributes),
    mayGrow: true,
  });
}

const deleteNames = perDialect(
  (d) =>
    `DELETE FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3 AND "name" ${inList(d, 4)}`,
);

/** Removes the named keys from the bucket; names that are not there are ignored. */
export function deleteAttributes(
  by: Writer,
  personId: string,
  bucket: string,
  names: readonly string[],
): Promise<BucketWrite> {
  const removed = new Set(names);
  return writeBucket(by, personId, bucket, null, {
    apply: async (tx, before) => {
      if ([...removed].some((name) => before.has(name))) {
        await tx.run(deleteNames, [by.orgId, personId, bucket, [...removed]]);
      }
    },
    result: (before) => new Map([...before].filter(([name]) => !removed.has(name))),
    mayGrow: false,
  });
}
