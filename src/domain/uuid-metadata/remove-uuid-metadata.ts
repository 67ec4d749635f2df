import { RollBack, transactionOrRollBack } from '../../db/transaction.ts';
import { touchPerson } from '../persons/etag.ts';

/**
 * Clears a uuid's metadata; the person and the rest of its data stay. NOT_FOUND for an unknown uuid. A uuid
 * without metadata is left exactly as it is (its person eTag too).
 */
export async function removeUuidMetadata(orgId: string, uuid: string): Promise<void> {
  await transactionOrRollBack(async (tx) => {
    await touchPerson(tx, orgId, uuid);
    const { count } = await tx.uuidMetadata.deleteMany({ where: { orgId, personId: uuid } });
    if (count === 0) throw new RollBack(undefined);
  });
}
