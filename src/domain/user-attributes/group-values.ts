import { randomUUID } from 'node:crypto';
import { db, type UserAttribute, type UserAttributeGroupValue } from '../../db/client.ts';
import { transaction } from '../../db/transaction.ts';
import { badInput, type InputIssue } from '../../errors.ts';
import { findUserAttribute } from './definitions.ts';
import { valueProblem } from './values.ts';

export interface GroupValueEntry {
  group: string;
  value: string;
  /** Either every entry has a rank or none has (then the position is the rank); checked by the input type. */
  rank?: number | null;
}

export interface AttributeGroupValues {
  attribute: UserAttribute;
  values: UserAttributeGroupValue[];
}

/** The attribute's group values in precedence order (lowest rank first). */
export async function listGroupValues(orgId: string, userAttributeId: string): Promise<AttributeGroupValues> {
  const attribute = await findUserAttribute(db, orgId, userAttributeId);
  const values = await db.userAttributeGroupValue.findMany({
    where: { orgId, userAttributeId },
    orderBy: { rank: 'asc' },
  });
  return { attribute, values };
}

/** Replaces every group value of the attribute in one transaction; returns them in precedence order. */
export async function setGroupValues(
  orgId: string,
  userAttributeId: string,
  entries: readonly GroupValueEntry[],
): Promise<AttributeGroupValues> {
  return transaction(async (tx) => {
    // Locks the attribute's row first (PostgreSQL), so two replacements of one attribute queue up.
    await tx.$executeRaw`UPDATE "UserAttribute" SET "id" = "id" WHERE "orgId" = ${orgId} AND "id" = ${userAttributeId}`;
    const attribute = await findUserAttribute(tx, orgId, userAttributeId);
    const issues: InputIssue[] = [];
    for (const [index, entry] of entries.entries()) {
      const problem = valueProblem(attribute.type, entry.value);
      if (problem) issues.push({ path: ['input', 'values', String(index), 'value'], message: problem });
    }
    if (issues.length > 0) throw badInput(issues);
    const values = entries
      .map((entry, index) => ({
        orgId,
        id: randomUUID(),
        userAttributeId,
        groupName: entry.group,
        value: entry.value,
        rank: entry.rank ?? index + 1,
      }))
      .sort((a, b) => a.rank - b.rank);
    await tx.userAttributeGroupValue.deleteMany({ where: { orgId, userAttributeId } });
    if (values.length > 0) await tx.userAttributeGroupValue.createMany({ data: values });
    return { attribute, values };
  });
}
