import { sql } from '../../db/client.ts';
import { orRollBack, RollBack } from '../../db/transaction.ts';
import { touchPerson } from '../persons/etag.ts';

/**
 * Clears a uuid's metadata; the person and the rest of its data stay. NOT_FOUND for an unknown uuid. A uuid
 * without metadata is left exactly as it is (its person eTag too).
 */
export async function removeUuidMetadata(orgId: string, uuid: string): Promise<void> {
  await orRollBack(() =>
    sql.transaction(async (tx) => {
      await touchPerson(tx, orgId, uuid);
      const count = await tx.run('DELETE FROM "UuidMetadata" WHERE "orgId" = $1 AND "personId" = $2', [orgId, uuid]);
      if (count === 0) throw new RollBack(undefined);
    }),
  );
}
