import { sql } from '../../db/client.ts';
import { uuidMetadataColumns, uuidMetadataFromRow } from '../../db/rows.ts';
import { orRollBack, RollBack } from '../../db/transaction.ts';
import type { Writer } from '../history/change.ts';
import { recordChange } from '../history/record.ts';
import { touchPerson } from '../persons/etag.ts';
import { contentChanges, contentOf, emptyContent } from './content.ts';

const deleteRow = `DELETE FROM "UuidMetadata" WHERE "orgId" = $1 AND "personId" = $2 RETURNING ${uuidMetadataColumns}`;

/**
 * Clears a uuid's metadata; the person and the rest of its data stay. NOT_FOUND for an unknown uuid. A uuid
 * without metadata is left exactly as it is (its person eTag too).
 */
export async function removeUuidMetadata(by: Writer, uuid: string): Promise<void> {
  await orRollBack(() =>
    sql.transaction(async (tx) => {
      const at = new Date();
      const person = await touchPerson(tx, by.orgId, uuid);
      const [row] = await tx.all(deleteRow, [by.orgId, uuid]);
      if (!row) throw new RollBack(undefined);
      const entries = contentChanges(contentOf(uuidMetadataFromRow(row)), emptyContent);
      await recordChange(tx, by, { personId: uuid, kind: 'UPDATED', eTag: person.eTag, entries, at });
    }),
  );
}
