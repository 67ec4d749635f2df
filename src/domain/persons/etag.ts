import { randomBytes } from 'node:crypto';
import type { Tx } from '../../db/client.ts';
import { notFound, preconditionFailed } from '../../errors.ts';

/** A fresh person eTag: opaque, and never reused, so a re-created person cannot match an old one. */
export function newPersonETag(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The first statement of every write to a person's data: gives the person a new eTag (checking `ifMatch`
 * first, when given) and bumps `updatedAt`. Besides versioning, it takes the person's row lock on PostgreSQL,
 * so concurrent writers of one person queue up instead of racing. Throws NOT_FOUND for an unknown person
 * and PRECONDITION_FAILED for a stale eTag. Returns the new eTag.
 */
export async function touchPerson(tx: Tx, orgId: string, personId: string, ifMatch?: string | null): Promise<string> {
  const eTag = newPersonETag();
  const { count } = await tx.person.updateMany({
    where: { orgId, id: personId, ...(ifMatch != null ? { eTag: ifMatch } : {}) },
    data: { eTag, updatedAt: new Date() },
  });
  if (count === 1) return eTag;
  if (ifMatch != null) {
    const exists = await tx.person.findUnique({ where: { orgId_id: { orgId, id: personId } }, select: { id: true } });
    if (exists) throw preconditionFailed();
  }
  throw notFound('Person');
}
