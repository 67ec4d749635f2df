import type { Tx, UuidMetadata } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { RollBack, transactionOrRollBack } from '../../db/transaction.ts';
import { AppError, preconditionFailed } from '../../errors.ts';
import { newPersonETag, touchPerson } from '../persons/etag.ts';
import {
  contentETag,
  contentOf,
  emptyContent,
  mergeContent,
  type UuidMetadataChanges,
  type UuidMetadataContent,
} from './content.ts';

/** The stored row changed between our read and our conditional write (cannot happen under the person lock). */
class StaleRead extends Error {}

const maxAttempts = 3;

/**
 * Upserts a uuid's metadata: an unknown uuid becomes a new person (REGULAR, active) with it, unless `ifMatch`
 * is given (then PRECONDITION_FAILED, nothing created). Omitted fields stay, null clears, `custom` is replaced
 * whole. A write that changes no content changes nothing at all (same eTag, same `updated`, same person eTag).
 */
export async function setUuidMetadata(
  orgId: string,
  uuid: string,
  changes: UuidMetadataChanges,
  ifMatch?: string | null,
): Promise<UuidMetadata> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transactionOrRollBack((tx) => writeOnce(tx, orgId, uuid, changes, ifMatch ?? null));
    } catch (error) {
      // Two first writers of a new uuid: the loser's INSERT meets the winner's row; retried, it updates it.
      const retryable = error instanceof StaleRead || isUniqueViolation(error);
      if (retryable && attempt < maxAttempts) continue;
      throw error;
    }
  }
}

async function writeOnce(
  tx: Tx,
  orgId: string,
  uuid: string,
  changes: UuidMetadataChanges,
  ifMatch: string | null,
): Promise<UuidMetadata> {
  // First statement: new person eTag, and the person's row lock on PostgreSQL, so writers of a uuid queue up.
  const personExists = await touchPerson(tx, orgId, uuid).then(
    () => true,
    (error: unknown) => {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return false;
      throw error;
    },
  );
  if (!personExists) {
    if (ifMatch !== null) throw preconditionFailed('The uuid does not exist, so no eTag can match.');
    await tx.person.createMany({
      data: [{ orgId, id: uuid, active: true, personType: 'REGULAR', eTag: newPersonETag() }],
    });
    return insertMetadata(tx, orgId, uuid, mergeContent(emptyContent, changes));
  }

  const stored = await tx.uuidMetadata.findUnique({ where: { orgId_personId: { orgId, personId: uuid } } });
  if (ifMatch !== null && stored?.eTag !== ifMatch) throw preconditionFailed();
  if (!stored) return insertMetadata(tx, orgId, uuid, mergeContent(emptyContent, changes));

  const content = mergeContent(contentOf(stored), changes);
  const eTag = contentETag(content);
  if (eTag === stored.eTag) throw new RollBack(stored);

  // The row count decides: only a writer whose eTag is still the stored one writes; the others write nothing.
  const updated = new Date();
  const { count } = await tx.uuidMetadata.updateMany({
    where: { orgId, personId: uuid, eTag: ifMatch ?? stored.eTag },
    data: { ...columnsOf(content), eTag, updated },
  });
  if (count !== 1) throw ifMatch !== null ? preconditionFailed() : new StaleRead();
  return { orgId, personId: uuid, ...columnsOf(content), eTag, updated };
}

async function insertMetadata(
  tx: Tx,
  orgId: string,
  personId: string,
  content: UuidMetadataContent,
): Promise<UuidMetadata> {
  const row = { orgId, personId, ...columnsOf(content), eTag: contentETag(content), updated: new Date() };
  await tx.uuidMetadata.createMany({ data: [row] });
  return row;
}

function columnsOf(content: UuidMetadataContent) {
  return { ...content, custom: content.custom === null ? null : JSON.stringify(content.custom) };
}
