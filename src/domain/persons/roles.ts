import { randomUUID } from 'node:crypto';
import { db, type Role } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { insertPersonRows } from '../../db/sql/sql-client.ts';
import { badInput, conflict, type InputIssue } from '../../errors.ts';
import { bareRoleName } from './rules.ts';

/** Gives a person the roles whose ids come as one list parameter ($3): one statement for any number of roles. */
export const insertRoles = insertPersonRows('PersonRole', ['roleId']);

/** A role's public name: "{orgId}/{roleName}". */
export const qualifiedRoleName = (orgId: string, name: string): string => `${orgId}/${name}`;

export function listRoles(orgId: string): Promise<Role[]> {
  return db.role.findMany({ where: { orgId }, orderBy: { name: 'asc' } });
}

export async function createRole(orgId: string, name: string): Promise<Role> {
  try {
    return await db.role.create({ data: { orgId, id: randomUUID(), name } });
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(`A role named "${name}" already exists.`);
    throw error;
  }
}

/** The ids of the roles `refs` name (see resolveRoles), deduplicated. */
export async function resolveRoleIds(orgId: string, refs: readonly string[], path: string[]): Promise<string[]> {
  return (await resolveRoles(orgId, refs, path)).map((role) => role.id);
}

/**
 * The roles `refs` name (bare or qualified), deduplicated. Every role must exist in the caller's
 * organization: BAD_USER_INPUT naming each one that does not (another organization's role included).
 */
export async function resolveRoles(
  orgId: string,
  refs: readonly string[],
  path: string[],
): Promise<{ id: string; name: string }[]> {
  const names = refs.map((ref) => bareRoleName(orgId, ref));
  const wanted = [...new Set(names.filter((name): name is string => name !== null))];
  const rows = wanted.length ? await db.role.findMany({ where: { orgId, name: { in: wanted } } }) : [];
  const idByName = new Map(rows.map((row) => [row.name, row.id]));
  const issues: InputIssue[] = [];
  names.forEach((name, index) => {
    if (name === null || !idByName.has(name)) {
      issues.push({ path: [...path, String(index)], message: `role "${refs[index]}" does not exist` });
    }
  });
  if (issues.length) throw badInput(issues);
  return [...new Set(names as string[])].map((name) => ({ id: idByName.get(name) as string, name }));
}
