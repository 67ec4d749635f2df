import { randomUUID } from 'node:crypto';
import { db, type Person } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { transaction } from '../../db/transaction.ts';
import { conflict } from '../../errors.ts';
import { requireBuckets } from './buckets.ts';
import { newPersonETag } from './etag.ts';
import { resolveRoleIds } from './roles.ts';
import { normalizeHandle } from './rules.ts';

export interface NewPerson {
  id?: string | null;
  active?: boolean | null;
  personType?: string | null;
  region?: string | null;
  handles?: readonly { type: string; value: string }[] | null;
  groups?: readonly string[] | null;
  /** Bare or "{orgId}/{name}"; every role must exist. */
  roles?: readonly string[] | null;
  /** `{ bucket: { key: value } }`; every bucket must exist. */
  attributes?: Record<string, Record<string, unknown>> | null;
}

/**
 * Creates a person with its handles, groups, roles and attributes in one transaction. Roles and buckets are
 * checked first (BAD_USER_INPUT / NOT_FOUND); CONFLICT when the id or a handle is taken in the organization.
 */
export async function createPerson(orgId: string, input: NewPerson): Promise<Person> {
  const id = input.id ?? randomUUID();
  const roleIds = input.roles ? await resolveRoleIds(orgId, input.roles, ['input', 'roles']) : [];
  const attributes = input.attributes ?? {};
  await requireBuckets(orgId, Object.keys(attributes));
  // Duplicates within one input are merged (emails case-insensitively), as for groups.
  const handles = new Map<string, { type: string; value: string; normalizedValue: string }>();
  for (const handle of input.handles ?? []) {
    const normalizedValue = normalizeHandle(handle.type, handle.value);
    handles.set(`${handle.type}\u0000${normalizedValue}`, { ...handle, normalizedValue });
  }
  const groups = [...new Set(input.groups ?? [])];
  try {
    return await transaction(async (tx) => {
      const person = await tx.person.create({
        data: {
          orgId,
          id,
          active: input.active ?? true,
          personType: input.personType ?? 'REGULAR',
          region: input.region ?? 'US_IOWA',
          eTag: newPersonETag(),
        },
      });
      if (handles.size) {
        await tx.personHandle.createMany({
          data: [...handles.values()].map((handle) => ({ orgId, personId: id, ...handle })),
        });
      }
      if (groups.length) {
        await tx.personGroup.createMany({ data: groups.map((groupName) => ({ orgId, personId: id, groupName })) });
      }
      if (roleIds.length) {
        await tx.personRole.createMany({ data: roleIds.map((roleId) => ({ orgId, personId: id, roleId })) });
      }
      // A new person has no attributes yet: every bucket's keys go in with one INSERT.
      const rows = Object.entries(attributes).flatMap(([bucket, values]) =>
        Object.entries(values).map(([name, value]) => ({
          orgId,
          personId: id,
          bucket,
          name,
          value: JSON.stringify(value),
        })),
      );
      if (rows.length) await tx.personAttribute.createMany({ data: rows });
      return person;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const taken = await db.person.findUnique({ where: { orgId_id: { orgId, id } }, select: { id: true } });
    throw conflict(taken ? `A person with id "${id}" already exists.` : 'A handle is already taken by another person.');
  }
}
