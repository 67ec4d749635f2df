import type { Person } from '../../db/client.ts';
import { transaction } from '../../db/transaction.ts';
import { touchPerson } from './etag.ts';
import { resolveRoleIds } from './roles.ts';

export interface PersonPatch {
  active?: boolean | null;
  /** Replaces every role; bare or qualified names of existing roles. */
  roles?: readonly string[] | null;
  ifMatch?: string | null;
}

/** SlashID "modify an existing person": omitted fields stay unchanged. */
export async function patchPerson(orgId: string, personId: string, patch: PersonPatch): Promise<Person> {
  // Roles are checked before the transaction: a bad name fails without touching the person.
  const roleIds = patch.roles ? await resolveRoleIds(orgId, patch.roles, ['input', 'roles']) : null;
  return transaction(async (tx) => {
    const person = await touchPerson(
      tx,
      orgId,
      personId,
      patch.ifMatch,
      patch.active != null ? { active: patch.active } : {},
    );
    if (roleIds) {
      await tx.personRole.deleteMany({ where: { orgId, personId } });
      if (roleIds.length) {
        await tx.personRole.createMany({ data: roleIds.map((roleId) => ({ orgId, personId, roleId })) });
      }
    }
    return person;
  });
}
