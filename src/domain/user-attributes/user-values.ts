import { sql, type UserAttribute } from '../../db/client.ts';
import { isMissingRow } from '../../db/errors.ts';
import { userAttributeColumns, userAttributeFromRow } from '../../db/rows.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import { badInputAt, forbidden, notFound } from '../../errors.ts';
import { touchPerson } from '../persons/etag.ts';
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

const upsertValue = `INSERT INTO "UserAttributeValue" ("orgId", "personId", "userAttributeId", "value", "updatedAt")
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT ("orgId", "personId", "userAttributeId") DO UPDATE SET "value" = excluded."value", "updatedAt" = excluded."updatedAt"`;

/**
 * Stores the person's own value of the attribute (checked against its type). NOT_FOUND for an unknown person or
 * attribute of the organization; nothing is written then.
 */
export async function setUserValue(
  orgId: string,
  personId: string,
  userAttributeId: string,
  value: string,
  options: SetValueOptions = {},
): Promise<UserAttribute> {
  try {
    return await sql.transaction(async (tx) => {
      await touchPerson(tx, orgId, personId);
      const attribute = await attributeOf(tx, orgId, userAttributeId);
      if (options.endUser && !attribute.userCanEdit) throw forbidden('This user attribute is not editable by users.');
      const problem = valueProblem(attribute.type, value);
      if (problem) throw badInputAt(['input', 'value'], problem);
      await tx.run(upsertValue, [orgId, personId, userAttributeId, value, new Date()]);
      return attribute;
    });
  } catch (error) {
    // The attribute was deleted between our read and our write (its delete does not wait for the person's lock).
    if (isMissingRow(error)) throw notFound('User attribute');
    throw error;
  }
}

/** Removes the person's own value (if any); what applies afterwards is a group value, the default or nothing. */
export async function deleteUserValue(
  orgId: string,
  personId: string,
  userAttributeId: string,
): Promise<UserAttribute> {
  return sql.transaction(async (tx) => {
    await touchPerson(tx, orgId, personId);
    const attribute = await attributeOf(tx, orgId, userAttributeId);
    await tx.run('DELETE FROM "UserAttributeValue" WHERE "orgId" = $1 AND "personId" = $2 AND "userAttributeId" = $3', [
      orgId,
      personId,
      userAttributeId,
    ]);
    return attribute;
  });
}
