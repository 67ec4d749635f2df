import { type AttributeBucket, db, sql } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { bucketColumns, bucketFromRow } from '../../db/rows.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import { conflict, notFound } from '../../errors.ts';

export type BucketPermission = 'NO_ACCESS' | 'READ_ONLY' | 'READ_WRITE';

/** The organization's buckets, built-in ones included, by name. */
export async function listBuckets(orgId: string): Promise<AttributeBucket[]> {
  const rows = await sql.all(`SELECT ${bucketColumns} FROM "AttributeBucket" WHERE "orgId" = $1 ORDER BY "name"`, [
    orgId,
  ]);
  return rows.map(bucketFromRow);
}

/** A bucket of the organization; NOT_FOUND when unknown (or another organization's). */
export async function requireBucket(orgId: string, name: string, runner: SqlRunner = sql): Promise<AttributeBucket> {
  const [row] = await runner.all(`SELECT ${bucketColumns} FROM "AttributeBucket" WHERE "orgId" = $1 AND "name" = $2`, [
    orgId,
    name,
  ]);
  if (!row) throw notFound(`Attribute bucket "${name}"`);
  return bucketFromRow(row);
}

/** The named buckets of the organization; NOT_FOUND naming the first unknown one. One statement. */
export async function requireBuckets(orgId: string, names: readonly string[]): Promise<AttributeBucket[]> {
  if (names.length === 0) return [];
  const rows = await db.attributeBucket.findMany({ where: { orgId, name: { in: [...names] } } });
  const known = new Set(rows.map((row) => row.name));
  const missing = names.find((name) => !known.has(name));
  if (missing !== undefined) throw notFound(`Attribute bucket "${missing}"`);
  return rows;
}

export async function createBucket(
  orgId: string,
  name: string,
  endUserPermissions: BucketPermission,
): Promise<AttributeBucket> {
  try {
    return await db.attributeBucket.create({ data: { orgId, name, endUserPermissions, builtIn: false } });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`An attribute bucket named "${name}" already exists.`);
    throw error;
  }
}
