import { randomUUID } from 'node:crypto';
import type { Tx, UserAttribute } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { transaction } from '../../db/transaction.ts';
import { badInputAt, conflict, notFound } from '../../errors.ts';
import { valueProblem } from './values.ts';

export interface NewUserAttribute {
  name: string;
  label: string;
  type: string;
  defaultValue?: string | null;
  valueIsHidden?: boolean | null;
  userCanView?: boolean | null;
  userCanEdit?: boolean | null;
  hiddenValueDomainWhitelist?: string | null;
}

/** Omitted (undefined) stays unchanged; null clears where the field may be null. */
export interface UserAttributeChanges {
  label?: string | null;
  defaultValue?: string | null;
  valueIsHidden?: boolean | null;
  userCanView?: boolean | null;
  userCanEdit?: boolean | null;
  hiddenValueDomainWhitelist?: string | null;
}

/** The attribute of the organization, or NOT_FOUND (another org's attribute is an unknown one). */
export async function findUserAttribute(tx: Tx, orgId: string, id: string): Promise<UserAttribute> {
  const attribute = await tx.userAttribute.findUnique({ where: { orgId_id: { orgId, id } } });
  if (!attribute) throw notFound('User attribute');
  return attribute;
}

/** CONFLICT naming the taken name or label, checked before writing so the message can say which. */
async function assertFree(tx: Tx, orgId: string, name: string | null, label: string | null, exceptId?: string) {
  const taken = await tx.userAttribute.findFirst({
    where: {
      orgId,
      OR: [...(name !== null ? [{ name }] : []), ...(label !== null ? [{ label }] : [])],
      ...(exceptId ? { NOT: { id: exceptId } } : {}),
    },
    select: { name: true, label: true },
  });
  if (taken && taken.name === name) throw conflict(`A user attribute named "${name}" already exists.`);
  if (taken) throw conflict(`A user attribute labelled "${label}" already exists.`);
}

function uniqueViolationToConflict(error: unknown): never {
  if (isUniqueViolation(error)) throw conflict('A user attribute with this name or label already exists.');
  throw error;
}

export async function createUserAttribute(orgId: string, input: NewUserAttribute): Promise<UserAttribute> {
  try {
    return await transaction(async (tx) => {
      await assertFree(tx, orgId, input.name, input.label);
      return tx.userAttribute.create({
        data: {
          orgId,
          id: randomUUID(),
          name: input.name,
          label: input.label,
          type: input.type,
          defaultValue: input.defaultValue ?? null,
          valueIsHidden: input.valueIsHidden ?? false,
          userCanView: input.userCanView ?? true,
          userCanEdit: input.userCanEdit ?? false,
          hiddenValueDomainWhitelist: input.hiddenValueDomainWhitelist ?? null,
        },
      });
    });
  } catch (error) {
    uniqueViolationToConflict(error);
  }
}

export async function updateUserAttribute(
  orgId: string,
  id: string,
  changes: UserAttributeChanges,
): Promise<UserAttribute> {
  try {
    return await transaction(async (tx) => {
      const current = await findUserAttribute(tx, orgId, id);
      // The default must fit the stored type, which the input does not carry.
      if (changes.defaultValue != null) {
        const problem = valueProblem(current.type, changes.defaultValue);
        if (problem) throw badInputAt(['input', 'defaultValue'], problem);
      }
      if (changes.label != null && changes.label !== current.label)
        await assertFree(tx, orgId, null, changes.label, id);
      return tx.userAttribute.update({
        where: { orgId_id: { orgId, id } },
        data: {
          ...(changes.label != null ? { label: changes.label } : {}),
          ...(changes.defaultValue !== undefined ? { defaultValue: changes.defaultValue } : {}),
          // null clears a flag back to the default it was created with.
          ...(changes.valueIsHidden !== undefined ? { valueIsHidden: changes.valueIsHidden ?? false } : {}),
          ...(changes.userCanView !== undefined ? { userCanView: changes.userCanView ?? true } : {}),
          ...(changes.userCanEdit !== undefined ? { userCanEdit: changes.userCanEdit ?? false } : {}),
          ...(changes.hiddenValueDomainWhitelist !== undefined
            ? { hiddenValueDomainWhitelist: changes.hiddenValueDomainWhitelist }
            : {}),
        },
      });
    });
  } catch (error) {
    uniqueViolationToConflict(error);
  }
}

// Deleting an attribute removes persons' own values of it, which their history records (user-values.ts).
export { deleteUserAttribute } from './user-values.ts';
