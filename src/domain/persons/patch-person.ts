import { type Person, sql } from '../../db/client.ts';
import { perDialect } from '../../db/sql/sql-client.ts';
import { touchPerson } from './etag.ts';
import { resolveRoleIds } from './roles.ts';

export interface PersonPatch {
  active?: boolean | null;
  /** Replaces every role; bare or qualified names of existing roles. */
  roles?: readonly string[] | null;
  ifMatch?: string | null;
}

const clearRoles = 'DELETE FROM "PersonRole" WHERE "orgId" = $1 AND "personId" = $2';
const insertRoles = perDialect(
  (d) => `INSERT INTO "PersonRole" ("orgId", "personId", "roleId")
    SELECT $1, $2, value FROM ${d === 'sqlite' ? 'json_each($3)' : 'unnest($3::text[]) AS ids(value)'}`,
);

/** SlashID "modify an existing person": omitted fields stay unchanged. */
export async function patchPerson(orgId: string, personId: string, patch: PersonPatch): Promise<Person> {
  // Roles are checked before the transaction: a bad name fails without touching the person.
  const roleIds = patch.roles ? await resolveRoleIds(orgId, patch.roles, ['input', 'roles']) : null;
  return sql.transaction(async (tx) => {
    const person = await touchPerson(
      tx,
      orgId,
      personId,
      patch.ifMatch,
      patch.active != null ? { active: patch.active } : {},
    );
    if (roleIds) {
      await tx.run(clearRoles, [orgId, personId]);
      if (roleIds.length) await tx.run(insertRoles, [orgId, personId, roleIds]);
    }
    return person;
  });
}
