import { sql } from '../../db/client.ts';
import { perDialect } from '../../db/sql/sql-client.ts';
import { notFound } from '../../errors.ts';
import type { Writer } from '../history/change.ts';
import { recordChange } from '../history/record.ts';
import { personLocked } from './person-lock.ts';

// The person's writer lock first (PostgreSQL, person-lock.ts), so DELETED is logged after every earlier write.
const deleteRow = perDialect((d) => {
  const lock = personLocked(d, '$1', '$2');
  return `${lock.with} DELETE FROM "Person" WHERE "orgId" = $1 AND "id" = $2 AND ${lock.when} RETURNING "id"`;
});

/** Deletes a person and everything stored for it (cascade), logging a DELETED change; NOT_FOUND when unknown. */
export async function deletePerson(by: Writer, personId: string): Promise<string> {
  return sql.transaction(async (tx) => {
    const deleted = await tx.all(deleteRow, [by.orgId, personId]);
    if (deleted.length === 0) throw notFound('Person');
    await recordChange(tx, by, { personId, kind: 'DELETED', eTag: null, entries: [] });
    return personId;
  });
}
