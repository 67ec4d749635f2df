import type { UserAttribute } from '../../db/client.ts';
import { isMissingRow } from '../../db/errors.ts';
import { transaction } from '../../db/transaction.ts';
import { badInputAt, forbidden, notFound } from '../../errors.ts';
import { touchPerson } from '../persons/etag.ts';
import { findUserAttribute } from './definitions.ts';
import { valueProblem } from './values.ts';

export interface SetValueOptions {
  /** An end user setting their own value: only attributes with userCanEdit (else FORBIDDEN). */
  endUser?: boolean;
}

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
    return await transaction(async (tx) => {
      await touchPerson(tx, orgId, personId);
      const attribute = await findUserAttribute(tx, orgId, userAttributeId);
      if (options.endUser && !attribute.userCanEdit) throw forbidden('This user attribute is not editable by users.');
      const problem = valueProblem(attribute.type, value);
      if (problem) throw badInputAt(['input', 'value'], problem);
      const updatedAt = new Date();
      await tx.userAttributeValue.upsert({
        where: { orgId_personId_userAttributeId: { orgId, personId, userAttributeId } },
        create: { orgId, personId, userAttributeId, value, updatedAt },
        update: { value, updatedAt },
      });
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
  return transaction(async (tx) => {
    await touchPerson(tx, orgId, personId);
    const attribute = await findUserAttribute(tx, orgId, userAttributeId);
    await tx.userAttributeValue.deleteMany({ where: { orgId, personId, userAttributeId } });
    return attribute;
  });
}
