import { randomBytes } from 'node:crypto';
import type { Person } from '../../db/client.ts';
import { personColumns, personFromRow } from '../../db/rows.ts';
import { perDialect, type SqlRunner } from '../../db/sql/sql-client.ts';
import { notFound, preconditionFailed } from '../../errors.ts';
import { personLocked } from './person-lock.ts';

/** A fresh person eTag: opaque, and never reused, so a re-created person cannot match an old one. */
export function newPersonETag(): string {
  return randomBytes(12).toString('base64url');
}

/** Columns of the person row itself that a write may change along with its eTag. */
export interface PersonRowChanges {
  active?: boolean;
}

// Takes the person's writer lock first (PostgreSQL; person-lock.ts), in the same statement.
const touch = perDialect((d) => {
  const lock = personLocked(d, '$1', '$2');
  return `${lock.with} UPDATE "Person" SET "eTag" = $3, "updatedAt" = $4, "active" = COALESCE(CAST($5 AS BOOLEAN), "active")
  WHERE "orgId" = $1 AND "id" = $2 AND (CAST($6 AS TEXT) IS NULL OR "eTag" = $6) AND ${lock.when}
  RETURNING ${personColumns}`;
});

/**
 * The first statement of every write to a person's data: gives the person a new eTag (checking `ifMatch`
 * first, when given), bumps `updatedAt` and applies `changes` to the row, in one UPDATE … RETURNING. Besides
 * versioning, it takes the person's writer lock on PostgreSQL before writing (person-lock.ts), so concurrent
 * writers of one person queue up instead of racing, and their changes are logged in the order they took effect.
 * It must be the transaction's first write (or follow another lock of the same person). Throws NOT_FOUND for an unknown person and PRECONDITION_FAILED for a stale eTag.
 * Returns the person as it is now.
 */
export async function touchPerson(
  tx: SqlRunner,
  orgId: string,
  personId: string,
  ifMatch?: string | null,
  changes: PersonRowChanges = {},
): Promise<Person> {
  const [row] = await tx.all(touch, [
    orgId,
    personId,
    newPersonETag(),
    new Date(),
    changes.active ?? null,
    ifMatch ?? null,
  ]);
  if (row) return personFromRow(row);
  throw await whyNotTouched(tx, orgId, personId, ifMatch);
}

/** Why a touch changed no row: the person is unknown, or (with ifMatch) its eTag moved on. */
export async function whyNotTouched(tx: SqlRunner, orgId: string, personId: string, ifMatch?: string | null) {
  if (ifMatch != null) {
    const exists = await tx.all('SELECT 1 AS "found" FROM "Person" WHERE "orgId" = $1 AND "id" = $2', [
      orgId,
      personId,
    ]);
    if (exists.length > 0) return preconditionFailed();
  }
  return notFound('Person');
}
