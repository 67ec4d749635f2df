import { randomUUID } from 'node:crypto';
import { type Person, sql } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { insertPersonRows, perDialect } from '../../db/sql/sql-client.ts';
import { conflict } from '../../errors.ts';
import type { ChangeEntry, Writer } from '../history/change.ts';
import { asStored, changedValues } from '../history/diff.ts';
import { recordChange } from '../history/record.ts';
import { requireWithinQuota, sizeOf } from './bucket-quota.ts';
import { requireBuckets } from './buckets.ts';
import { newPersonETag } from './etag.ts';
import { personLocked } from './person-lock.ts';
import { insertRoles, qualifiedRoleName, resolveRoles } from './roles.ts';
import { normalizeHandle } from './rules.ts';
import { insertGroups } from './set-person-groups.ts';

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

/** Handles in a fixed order (type, then value), whatever the order they were given in. */
const byTypeThenValue = (a: { type: string; value: string }, b: { type: string; value: string }) =>
  a.type < b.type ? -1 : a.type > b.type ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

// The person's writer lock first (PostgreSQL, person-lock.ts): a delete of an earlier person of the same id, or a
// write racing this create, is logged in the order it took effect.
const insertPerson = perDialect((d) => {
  const lock = personLocked(d, '$1', '$2');
  return `${lock.with} INSERT INTO "Person" ("orgId", "id", "active", "personType", "region", "eTag", "createdAt", "updatedAt")
  SELECT $1, $2, $3, $4, $5, $6, $7, $7 WHERE ${lock.when}`;
});
// Handles and every bucket's keys in one INSERT each, whatever their number (as groups and roles).
const insertHandles = insertPersonRows('PersonHandle', ['type', 'value', 'normalizedValue']);
const insertAttributes = insertPersonRows('PersonAttribute', ['bucket', 'name', 'value']);

/**
 * Creates a person with its handles, groups, roles and attributes in one transaction, logged as CREATED. Roles and
 * buckets are checked first (BAD_USER_INPUT / NOT_FOUND); CONFLICT when the id or a handle is taken in the
 * organization.
 */
export async function createPerson(by: Writer, input: NewPerson): Promise<Person> {
  const { orgId } = by;
  const id = input.id ?? randomUUID();
  const roles = input.roles ? await resolveRoles(orgId, input.roles, ['input', 'roles']) : [];
  const attributes = input.attributes ?? {};
  await requireBuckets(orgId, Object.keys(attributes));
  for (const [bucket, values] of Object.entries(attributes)) {
    requireWithinQuota(bucket, sizeOf(asStored(values)), ['input', 'attributes', bucket]);
  }
  // Duplicates within one input are merged (emails case-insensitively), as for groups.
  const handles = new Map<string, { type: string; value: string; normalizedValue: string }>();
  for (const handle of input.handles ?? []) {
    const normalizedValue = normalizeHandle(handle.type, handle.value);
    handles.set(`${handle.type}\u0000${normalizedValue}`, { ...handle, normalizedValue });
  }
  const groups = [...new Set(input.groups ?? [])];
  const now = new Date();
  const person: Person = {
    orgId,
    id,
    active: input.active ?? true,
    personType: input.personType ?? 'REGULAR',
    region: input.region ?? 'US_IOWA',
    eTag: newPersonETag(),
    createdAt: now,
    updatedAt: now,
  };
  try {
    return await sql.transaction(async (tx) => {
      const { active, personType, region, eTag } = person;
      await tx.run(insertPerson, [orgId, id, active, personType, region, eTag, now]);
      const handleRows = [...handles.values()];
      if (handleRows.length) {
        const columns = [handleRows.map((h) => h.type), handleRows.map((h) => h.value)];
        await tx.run(insertHandles, [orgId, id, ...columns, handleRows.map((h) => h.normalizedValue)]);
      }
      if (groups.length) await tx.run(insertGroups, [orgId, id, groups]);
      if (roles.length) await tx.run(insertRoles, [orgId, id, roles.map((role) => role.id)]);
      const entries: ChangeEntry[] = [{ area: 'PERSON', name: 'active', before: null, after: active }];
      const listed = (name: string, values: unknown[]) =>
        values.length ? entries.push({ area: 'PERSON', name, before: null, after: values }) : 0;
      listed('roles', roles.map((role) => qualifiedRoleName(orgId, role.name)).sort());
      listed('groups', [...groups].sort());
      listed('handles', [...handles.values()].map(({ type, value }) => ({ type, value })).sort(byTypeThenValue));
      const rows = Object.entries(attributes).flatMap(([bucket, values]) =>
        [...asStored(values)].map(([name, value]) => [bucket, name, value] as const),
      );
      if (rows.length) {
        await tx.run(insertAttributes, [
          orgId,
          id,
          ...[0, 1, 2].map((column) => rows.map((row) => row[column] as string)),
        ]);
      }
      for (const [bucket, values] of Object.entries(attributes)) {
        entries.push(...changedValues('ATTRIBUTE', new Map(), asStored(values), { bucket }));
      }
      await recordChange(tx, by, { personId: id, kind: 'CREATED', eTag, entries, at: now });
      return person;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const taken = await sql.all('SELECT 1 AS "found" FROM "Person" WHERE "orgId" = $1 AND "id" = $2', [orgId, id]);
    throw conflict(
      taken.length ? `A person with id "${id}" already exists.` : 'A handle is already taken by another person.',
    );
  }
}
