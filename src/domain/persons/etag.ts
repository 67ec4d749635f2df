import { randomBytes } from 'node:crypto';
import type { Person, Tx } from '../../db/client.ts';
import { isMissingRow } from '../../db/errors.ts';
import { notFound, preconditionFailed } from '../../errors.ts';

/** A fresh person eTag: opaque, and never reused, so a re-created person cannot match an old one. */
export function newPersonETag(): string {
  return randomBytes(12).toString('base64url');
}

/** Columns of the person row itself that a write may change along with its eTag. */
export interface PersonRowChanges {
  active?: boolean;
}

/**
 * The first statement of every write to a person's data: gives the person a new eTag (checking `ifMatch`
 * first, when given), bumps `updatedAt` and applies `changes` to the row, in one UPDATE … RETURNING. Besides
 * versioning, it takes the person's row lock on PostgreSQL, so concurrent writers of one person queue up
 * instead of racing. Throws NOT_FOUND for an unknown person and PRECONDITION_FAILED for a stale eTag.
 * Returns the person as it is now.
 */
export async function touchPerson(
  tx: Tx,
  orgId: string,
  personId: string,
  ifMatch?: string | null,
  changes: PersonRowChanges = {},
): Promise<Person> {
  try {
    return await tx.person.update({
      where: { orgId_id: { orgId, id: personId }, ...(ifMatch != null ? { eTag: ifMatch } : {}) },
      data: { ...changes, eTag: newPersonETag(), updatedAt: new Date() },
    });
  } catch (error) {
    if (!isMissingRow(error)) throw error;
  }
  if (ifMatch != null) {
    const exists = await tx.person.findUnique({ where: { orgId_id: { orgId, id: personId } }, select: { id: true } });
    if (exists) throw preconditionFailed();
  }
  throw notFound('Person');
}
