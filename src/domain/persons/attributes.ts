import { type Person, Prisma, type Tx } from '../../db/client.ts';
import { transaction } from '../../db/transaction.ts';
import { forbidden } from '../../errors.ts';
import type { JsonObject } from '../../schema/builder.ts';
import { requireBucket } from './buckets.ts';
import { touchPerson } from './etag.ts';

export interface BucketWrite {
  person: Person;
  /** The bucket after the write. */
  attributes: JsonObject;
}

// Keeps each statement well under both databases' bind-parameter limits (5 parameters per row).
const rowsPerStatement = 500;

/**
 * Sets `attributes` in one bucket with multi-row INSERT … ON CONFLICT DO UPDATE: one row per key, so concurrent
 * merges of different keys never overwrite each other, and nothing is read first.
 */
export async function upsertAttributes(
  tx: Tx,
  orgId: string,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
): Promise<void> {
  const rows = Object.entries(attributes).map(([name, value]) => [name, JSON.stringify(value)] as const);
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const values = rows
      .slice(start, start + rowsPerStatement)
      .map(([name, value]) => Prisma.sql`(${orgId}, ${personId}, ${bucket}, ${name}, ${value})`);
    await tx.$executeRaw`
      INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value")
      VALUES ${Prisma.join(values)}
      ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value"`;
  }
}

/** One bucket of a person as `{ key: value }`. */
export async function readBucket(tx: Tx, orgId: string, personId: string, bucket: string): Promise<JsonObject> {
  const rows = await tx.personAttribute.findMany({
    where: { orgId, personId, bucket },
    select: { name: true, value: true },
    orderBy: { name: 'asc' },
  });
  return Object.fromEntries(rows.map((row) => [row.name, JSON.parse(row.value)]));
}

type Change = (tx: Tx) => Promise<void>;

/** The frame of every bucket write: bucket check, then one transaction that touches the person first. */
async function writeBucket(
  orgId: string,
  personId: string,
  bucket: string,
  ifMatch: string | null | undefined,
  change: Change,
  endUser = false,
): Promise<BucketWrite> {
  const found = await requireBucket(orgId, bucket);
  if (endUser && found.endUserPermissions !== 'READ_WRITE') {
    throw forbidden(`End users cannot write the bucket "${bucket}".`);
  }
  return transaction(async (tx) => {
    const person = await touchPerson(tx, orgId, personId, ifMatch);
    await change(tx);
    const attributes = await readBucket(tx, orgId, personId, bucket);
    return { person, attributes };
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
  return writeBucket(
    orgId,
    personId,
    bucket,
    ifMatch,
    (tx) => upsertAttributes(tx, orgId, personId, bucket, attributes),
    endUser,
  );
}

/** Replace: afterwards the bucket holds exactly the given keys. */
export function replaceAttributes(
  orgId: string,
  personId: string,
  bucket: string,
  attributes: Record<string, unknown>,
  ifMatch?: string | null,
): Promise<BucketWrite> {
  return writeBucket(orgId, personId, bucket, ifMatch, async (tx) => {
    // Both statements run under the person's lock, so no merge can slip in between them.
    await tx.personAttribute.deleteMany({ where: { orgId, personId, bucket } });
    await upsertAttributes(tx, orgId, personId, bucket, attributes);
  });
}

/** Removes the named keys from the bucket; names that are not there are ignored. */
export function deleteAttributes(
  orgId: string,
  personId: string,
  bucket: string,
  names: readonly string[],
): Promise<BucketWrite> {
  return writeBucket(orgId, personId, bucket, null, async (tx) => {
    const unique = [...new Set(names)];
    for (let start = 0; start < unique.length; start += rowsPerStatement) {
      const chunk = unique.slice(start, start + rowsPerStatement);
      await tx.personAttribute.deleteMany({ where: { orgId, personId, bucket, name: { in: chunk } } });
    }
  });
}
