import { sql, type UuidMetadata } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { uuidMetadataColumns, uuidMetadataFromRow } from '../../db/rows.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import { orRollBack, RollBack } from '../../db/transaction.ts';
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
import { type UuidMetadataView, uuidMetadataView } from './view.ts';

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
): Promise<UuidMetadataView> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const row = await orRollBack(() => sql.transaction((tx) => writeOnce(tx, orgId, uuid, changes, ifMatch ?? null)));
      return uuidMetadataView(row);
    } catch (error) {
      // Two first writers of a new uuid: the loser's INSERT meets the winner's row; retried, it updates it.
      const retryable = error instanceof StaleRead || isUniqueViolation(error);
      if (retryable && attempt < maxAttempts) continue;
      throw error;
    }
  }
}

const insertPerson = `INSERT INTO "Person" ("orgId", "id", "active", "personType", "region", "eTag", "createdAt", "updatedAt")
  VALUES ($1, $2, $3, 'REGULAR', 'US_IOWA', $4, $5, $5)`;
const selectMetadata = `SELECT ${uuidMetadataColumns} FROM "UuidMetadata" WHERE "orgId" = $1 AND "personId" = $2`;
const updateMetadata = `UPDATE "UuidMetadata" SET "name" = $4, "externalId" = $5, "profileUrl" = $6, "email" = $7,
  "type" = $8, "status" = $9, "custom" = $10, "eTag" = $11, "updated" = $12
  WHERE "orgId" = $1 AND "personId" = $2 AND "eTag" = $3`;
const insertMetadataRow = `INSERT INTO "UuidMetadata" ("orgId", "personId", "name", "externalId", "profileUrl", "email",
  "type", "status", "custom", "eTag", "updated") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

async function writeOnce(
  tx: SqlRunner,
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
    await tx.run(insertPerson, [orgId, uuid, true, newPersonETag(), new Date()]);
    return insertMetadata(tx, orgId, uuid, mergeContent(emptyContent, changes));
  }

  const [storedRow] = await tx.all(selectMetadata, [orgId, uuid]);
  const stored = storedRow ? uuidMetadataFromRow(storedRow) : null;
  if (ifMatch !== null && stored?.eTag !== ifMatch) throw preconditionFailed();
  if (!stored) return insertMetadata(tx, orgId, uuid, mergeContent(emptyContent, changes));

  const content = mergeContent(contentOf(stored), changes);
  const eTag = contentETag(content);
  if (eTag === stored.eTag) throw new RollBack(stored);

  // The row count decides: only a writer whose eTag is still the stored one writes; the others write nothing.
  const updated = new Date();
  const columns = columnsOf(content);
  const count = await tx.run(updateMetadata, [
    orgId,
    uuid,
    ifMatch ?? stored.eTag,
    ...columnValues(columns),
    eTag,
    updated,
  ]);
  if (count !== 1) throw ifMatch !== null ? preconditionFailed() : new StaleRead();
  return { orgId, personId: uuid, ...columns, eTag, updated };
}

async function insertMetadata(
  tx: SqlRunner,
  orgId: string,
  personId: string,
  content: UuidMetadataContent,
): Promise<UuidMetadata> {
  const row = { orgId, personId, ...columnsOf(content), eTag: contentETag(content), updated: new Date() };
  await tx.run(insertMetadataRow, [orgId, personId, ...columnValues(row), row.eTag, row.updated]);
  return row;
}

function columnsOf(content: UuidMetadataContent) {
  return { ...content, custom: content.custom === null ? null : JSON.stringify(content.custom) };
}

/** The content columns in statement order: name, externalId, profileUrl, email, type, status, custom. */
function columnValues(columns: ReturnType<typeof columnsOf>) {
  return [
    columns.name,
    columns.externalId,
    columns.profileUrl,
    columns.email,
    columns.type,
    columns.status,
    columns.custom,
  ];
}
