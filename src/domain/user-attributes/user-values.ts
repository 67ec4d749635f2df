import { sql, type UserAttribute } from '../../db/client.ts';
import { isMissingRow } from '../../db/errors.ts';
import { userAttributeColumns, userAttributeFromRow } from '../../db/rows.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import { badInputAt, forbidden, notFound, serviceUnavailable } from '../../errors.ts';
import type { Writer } from '../history/change.ts';
import { recordChange } from '../history/record.ts';
import { touchPerson } from '../persons/etag.ts';
import { personLockKey } from '../persons/person-lock.ts';
import { valueProblem } from './values.ts';

export interface SetValueOptions {
  /** An end user setting their own value: only attributes with userCanEdit (else FORBIDDEN). */
  endUser?: boolean;
}

async function attributeOf(tx: SqlRunner, orgId: string, id: string): Promise<UserAttribute> {
  const [row] = await tx.all(`SELECT ${userAttributeColumns} FROM "UserAttribute" WHERE "orgId" = $1 AND "id" = $2`, [
    orgId,
    id,
  ]);
  if (!row) throw notFound('User attribute');
  return userAttributeFromRow(row);
}

const ownValue =
  'SELECT "value" FROM "UserAttributeValue" WHERE "orgId" = $1 AND "personId" = $2 AND "userAttributeId" = $3';

/** The person's own value of the attribute, or null. */
async function ownValueOf(tx: SqlRunner, orgId: string, personId: string, id: string): Promise<string | null> {
  const [row] = await tx.all<{ value: string }>(ownValue, [orgId, personId, id]);
  return row?.value ?? null;
}

/**
 * Logs a change of the person's own value (USER_ATTRIBUTE, by the attribute's name). A hidden value is logged as
 * null before and after: the change is recorded, the value is not.
 */
async function recordValueChange(
  tx: SqlRunner,
  by: Writer,
  personId: string,
  eTag: string,
  attribute: UserAttribute,
  values: { before: string | null; after: string | null },
  at: Date,
): Promise<void> {
  if (values.before === values.after) return;
  const { before, after } = attribute.valueIsHidden ? { before: null, after: null } : values;
  const entries = [{ area: 'USER_ATTRIBUTE' as const, name: attribute.name, attributeId: attribute.id, before, after }];
  await recordChange(tx, by, { personId, kind: 'UPDATED', eTag, entries, at });
}

const upsertValue = `INSERT INTO "UserAttributeValue" ("orgId", "personId", "userAttributeId", "value", "updatedAt")
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT ("orgId", "personId", "userAttributeId") DO UPDATE SET "value" = excluded."value", "updatedAt" = excluded."updatedAt"`;

/**
 * Stores the person's own value of the attribute (checked against its type). NOT_FOUND for an unknown person or
 * attribute of the organization; nothing is written then.
 */
export async function setUserValue(
  by: Writer,
  personId: string,
  userAttributeId: string,
  value: string,
  options: SetValueOptions = {},
): Promise<UserAttribute> {
  const { orgId } = by;
  try {
    return await sql.transaction(async (tx) => {
      const at = new Date();
      const person = await touchPerson(tx, orgId, personId);
      const attribute = await attributeOf(tx, orgId, userAttributeId);
      if (options.endUser && !attribute.userCanEdit) throw forbidden('This user attribute is not editable by users.');
      const problem = valueProblem(attribute.type, value);
      if (problem) throw badInputAt(['input', 'value'], problem);
      const before = await ownValueOf(tx, orgId, personId, userAttributeId);
      await tx.run(upsertValue, [orgId, personId, userAttributeId, value, at]);
      await recordValueChange(tx, by, personId, person.eTag, attribute, { before, after: value }, at);
      return attribute;
    });
  } catch (error) {
    // The attribute was deleted between our read and our write (its delete does not wait for the person's lock).
    if (isMissingRow(error)) throw notFound('User attribute');
    throw error;
  }
}

/** Removes the person's own value (if any); what applies afterwards is a group value, the default or nothing. */
export async function deleteUserValue(by: Writer, personId: string, userAttributeId: string): Promise<UserAttribute> {
  const { orgId } = by;
  return sql.transaction(async (tx) => {
    const at = new Date();
    const person = await touchPerson(tx, orgId, personId);
    const attribute = await attributeOf(tx, orgId, userAttributeId);
    const before = await ownValueOf(tx, orgId, personId, userAttributeId);
    await tx.run('DELETE FROM "UserAttributeValue" WHERE "orgId" = $1 AND "personId" = $2 AND "userAttributeId" = $3', [
      orgId,
      personId,
      userAttributeId,
    ]);
    await recordValueChange(tx, by, personId, person.eTag, attribute, { before, after: null }, at);
    return attribute;
  });
}

// PostgreSQL: takes the writer lock (person-lock.ts) of every person with a value of the attribute, in key order
// (two such deletes never deadlock), before anything is written; answers whom it locked. A read, so the
// transaction gets no id here.
const lockOwners = `SELECT COALESCE(array_agg(p."personId"), '{}') AS "locked" FROM (
    SELECT DISTINCT "personId", ${personLockKey('$1', '"personId"')} AS k FROM "UserAttributeValue"
    WHERE "orgId" = $1 AND "userAttributeId" = $2 ORDER BY k) p, LATERAL (SELECT pg_advisory_xact_lock(p.k)) l`;
// The values removed, as they are now: the transaction's first write, after the locks.
const removeValues = `DELETE FROM "UserAttributeValue" WHERE "orgId" = $1 AND "userAttributeId" = $2
  RETURNING "personId", "value"`;

/** Someone got a value of the attribute after its owners were locked: the delete starts over. */
class NewOwner extends Error {}
const maxAttempts = 5;

/**
 * Deletes the attribute with its group and person values. Each person that had a value of its own gets a new
 * eTag and a change recording that value's removal, since something stored for it changed. On PostgreSQL those
 * persons' writer locks are taken first, so each change is logged in the order it took effect.
 */
export async function deleteUserAttribute(by: Writer, id: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await sql.transaction((tx) => deleteAttributeOnce(tx, by, id));
      return;
    } catch (error) {
      if (!(error instanceof NewOwner)) throw error;
      if (attempt >= maxAttempts) throw serviceUnavailable('Values of this attribute kept being set; retry.');
    }
  }
}

async function deleteAttributeOnce(tx: SqlRunner, by: Writer, id: string): Promise<void> {
  const { orgId } = by;
  const attribute = await attributeOf(tx, orgId, id);
  const at = new Date();
  const [locks] = tx.dialect === 'postgresql' ? await tx.all<{ locked: string[] }>(lockOwners, [orgId, id]) : [];
  const owners = await tx.all<{ personId: string; value: string }>(removeValues, [orgId, id]);
  const locked = new Set(locks?.locked);
  if (locks && owners.some((owner) => !locked.has(owner.personId))) throw new NewOwner();
  owners.sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  for (const { personId, value } of owners) {
    const person = await touchPerson(tx, orgId, personId);
    await recordValueChange(tx, by, personId, person.eTag, attribute, { before: value, after: null }, at);
  }
  await tx.run('DELETE FROM "UserAttribute" WHERE "orgId" = $1 AND "id" = $2', [orgId, id]);
}
