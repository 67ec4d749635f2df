import { sql } from '../../db/client.ts';
import { notFound } from '../../errors.ts';
import type { Writer } from '../history/change.ts';
import { recordChange } from '../history/record.ts';

const deleteRow = 'DELETE FROM "Person" WHERE "orgId" = $1 AND "id" = $2 RETURNING "id"';

/** Deletes a person and everything stored for it (cascade), logging a DELETED change; NOT_FOUND when unknown. */
export async function deletePerson(by: Writer, personId: string): Promise<string> {
  return sql.transaction(async (tx) => {
    const deleted = await tx.all(deleteRow, [by.orgId, personId]);
    if (deleted.length === 0) throw notFound('Person');
    await recordChange(tx, by, { personId, kind: 'DELETED', eTag: null, entries: [] });
    return personId;
  });
}
