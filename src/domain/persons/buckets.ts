import { type AttributeBucket, db } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { conflict, notFound } from '../../errors.ts';

export type BucketPermission = 'NO_ACCESS' | 'READ_ONLY' | 'READ_WRITE';

/** The organization's buckets, built-in ones included, by name. */
export function listBuckets(orgId: string): Promise<AttributeBucket[]> {
  return db.attributeBucket.findMany({ where: { orgId }, orderBy: { name: 'asc' } });
}

/** A bucket of the organization; NOT_FOUND when unknown (or another organization's). */
export async function requireBucket(orgId: string, name: string): Promise<AttributeBucket> {
  const bucket = await db.attributeBucket.findUnique({ where: { orgId_name: { orgId, name } } });
  if (!bucket) throw notFound(`Attribute bucket "${name}"`);
  return bucket;
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
