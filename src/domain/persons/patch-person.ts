import { type Person, sql } from '../../db/client.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import type { ChangeEntry, Writer } from '../history/change.ts';
import { changedField } from '../history/diff.ts';
import { recordChange } from '../history/record.ts';
import { touchPerson } from './etag.ts';
import { insertRoles, qualifiedRoleName, resolveRoles } from './roles.ts';

export interface PersonPatch {
  active?: boolean | null;
  /** Replaces every role; bare or qualified names of existing roles. */
  roles?: readonly string[] | null;
  ifMatch?: string | null;
}

const setActive = 'UPDATE "Person" SET "active" = $3 WHERE "orgId" = $1 AND "id" = $2';
const roleNames = `SELECT r."name" FROM "PersonRole" pr JOIN "Role" r ON r."orgId" = pr."orgId" AND r."id" = pr."roleId"
  WHERE pr."orgId" = $1 AND pr."personId" = $2`;
const clearRoles = 'DELETE FROM "PersonRole" WHERE "orgId" = $1 AND "personId" = $2';

/** The person's roles as their public names, sorted: what history records. */
async function rolesOf(tx: SqlRunner, orgId: string, personId: string): Promise<string[]> {
  const rows = await tx.all<{ name: string }>(roleNames, [orgId, personId]);
  return rows.map((row) => qualifiedRoleName(orgId, row.name)).sort();
}

/** SlashID "modify an existing person": omitted fields stay unchanged. */
export async function patchPerson(by: Writer, personId: string, patch: PersonPatch): Promise<Person> {
  const { orgId } = by;
  // Roles are checked before the transaction: a bad name fails without touching the person.
  const roles = patch.roles ? await resolveRoles(orgId, patch.roles, ['input', 'roles']) : null;
  return sql.transaction(async (tx) => {
    const at = new Date();
    let person = await touchPerson(tx, orgId, personId, patch.ifMatch);
    const entries: ChangeEntry[] = [];
    if (patch.active != null && patch.active !== person.active) {
      await tx.run(setActive, [orgId, personId, patch.active]);
      entries.push(...changedField('active', person.active, patch.active));
      person = { ...person, active: patch.active };
    }
    if (roles) {
      const before = await rolesOf(tx, orgId, personId);
      await tx.run(clearRoles, [orgId, personId]);
      if (roles.length) await tx.run(insertRoles, [orgId, personId, roles.map((role) => role.id)]);
      const after = roles.map((role) => qualifiedRoleName(orgId, role.name)).sort();
      entries.push(...changedField('roles', before, after));
    }
    await recordChange(tx, by, { personId, kind: 'UPDATED', eTag: person.eTag, entries, at });
    return person;
  });
}
