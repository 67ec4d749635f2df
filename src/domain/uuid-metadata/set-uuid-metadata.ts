import { sql, type UuidMetadata } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { uuidMetadataColumns, uuidMetadataFromRow } from '../../db/rows.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import { orRollBack, RollBack } from '../../db/transaction.ts';
import { AppError, preconditionFailed } from '../../errors.ts';
import type { Writer } from '../history/change.ts';
import { recordChange, writeAndRecord } from '../history/record.ts';
import { newPersonETag, touchPerson } from '../persons/etag.ts';
import {
  contentChanges,
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
  by: Writer,
  uuid: string,
  changes: UuidMetadataChanges,
  ifMatch?: string | null,
): Promise<UuidMetadataView> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const row = await orRollBack(() => sql.transaction((tx) => writeOnce(tx, by, uuid, changes, ifMatch ?? null)));
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
  by: Writer,
  uuid: string,
  changes: UuidMetadataChanges,
  ifMatch: string | null,
): Promise<UuidMetadata> {
  const { orgId } = by;
  const at = new Date();
  // First statement: new person eTag, and the person's row lock on PostgreSQL, so writers of a uuid queue up.
  const person = await touchPerson(tx, orgId, uuid).then(
    (touched) => touched,
    (error: unknown) => {
      if (error instanceof AppError && error.code === 'NOT_FOUND') return null;
      throw error;
    },
  );
  if (!person) {
    if (ifMatch !== null) throw preconditionFailed('The uuid does not exist, so no eTag can match.');
    const eTag = newPersonETag();
    await tx.run(insertPerson, [orgId, uuid, true, eTag, at]);
    const content = mergeContent(emptyContent, changes);
    const created = [{ area: 'PERSON' as const, name: 'active', before: null, after: true }];
    const entries = [...created, ...contentChanges(emptyContent, content)];
    await recordChange(tx, by, { personId: uuid, kind: 'CREATED', eTag, entries, at });
    return insertMetadata(tx, orgId, uuid, content, at);
  }
  const logged = async (before: UuidMetadataContent, after: UuidMetadataContent) => {
    const entries = contentChanges(before, after);
    await recordChange(tx, by, { personId: uuid, kind: 'UPDATED', eTag: person.eTag, entries, at });
  };

  const [storedRow] = await tx.all(selectMetadata, [orgId, uuid]);
  const stored = storedRow ? uuidMetadataFromRow(storedRow) : null;
  if (ifMatch !== null && stored?.eTag !== ifMatch) throw preconditionFailed();
  if (!stored) {
    const content = mergeContent(emptyContent, changes);
    await logged(emptyContent, content);
    return insertMetadata(tx, orgId, uuid, content, at);
  }

  const content = mergeContent(contentOf(stored), changes);
  const eTag = contentETag(content);
  if (eTag === stored.eTag) throw new RollBack(stored);

  // The row count decides: only a writer whose eTag is still the stored one writes; the others write nothing.
  const updated = at;
  const columns = columnsOf(content);
  // The change is recorded with the write, in one statement on PostgreSQL.
  const entries = contentChanges(contentOf(stored), content);
  const change = { personId: uuid, kind: 'UPDATED' as const, eTag: person.eTag, entries, at };
  const count = await writeAndRecord(tx, by, change, {
    text: updateMetadata,
    params: [orgId, uuid, ifMatch ?? stored.eTag, ...columnValues(columns), eTag, updated],
  });
  if (count !== 1) throw ifMatch !== null ? preconditionFailed() : new StaleRead();
  return { orgId, personId: uuid, ...columns, eTag, updated };
}

async function insertMetadata(
  tx: SqlRunner,
  orgId: string,
  personId: string,
  content: UuidMetadataContent,
  updated: Date,
): Promise<UuidMetadata> {
  const row = { orgId, personId, ...columnsOf(content), eTag: contentETag(content), updated };
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
