import type { Person } from '../../db/client.ts';
import { notFound } from '../../errors.ts';
import { personGroupsLoader } from '../../loaders/person-groups.ts';
import { type HandleRow, personHandlesLoader } from '../../loaders/person-handles.ts';
import { personRolesLoader } from '../../loaders/person-roles.ts';
import { personLoader } from '../../loaders/persons.ts';
import { orgIdOf, type Reader } from '../../loaders/reader.ts';
import type { JsonObject } from '../json.ts';
import { qualifiedRoleName } from './roles.ts';
import { visibleAttributes } from './visible-attributes.ts';

/** A person with everything stored for it that the caller may see, as plain data. */
export interface PersonView {
  person: Person;
  handles: HandleRow[];
  groups: string[];
  /** Qualified: "{orgId}/{roleName}". */
  roles: string[];
  attributes: Record<string, JsonObject>;
}

/** A person of the caller's organization; NOT_FOUND when unknown (another organization's ids are unknown). */
export async function requirePerson(reader: Reader, personId: string): Promise<Person> {
  const person = await personLoader(reader).load(personId);
  if (!person) throw notFound('Person');
  return person;
}

export const handlesOf = (reader: Reader, personId: string): Promise<HandleRow[]> =>
  personHandlesLoader(reader).load(personId);

export const groupsOf = (reader: Reader, personId: string): Promise<string[]> =>
  personGroupsLoader(reader).load(personId);

/** The person's roles as the contract names them: "{orgId}/{roleName}". */
export async function qualifiedRolesOf(reader: Reader, personId: string): Promise<string[]> {
  const names = await personRolesLoader(reader).load(personId);
  return names.map((name) => qualifiedRoleName(orgIdOf(reader), name));
}

/** The whole person (handles, groups, roles, every bucket the caller may see), read in one batch. */
export async function personView(reader: Reader, person: Person): Promise<PersonView> {
  const [handles, groups, roles, attributes] = await Promise.all([
    handlesOf(reader, person.id),
    groupsOf(reader, person.id),
    qualifiedRolesOf(reader, person.id),
    visibleAttributes(reader, person.id),
  ]);
  return { person, handles, groups, roles, attributes };
}

/**
 * One bucket of a person: NOT_FOUND for an unknown bucket or person (the bucket is reported first, as writes do);
 * FORBIDDEN for an end user's NO_ACCESS bucket.
 */
export async function readPersonBucket(reader: Reader, personId: string, bucket: string): Promise<JsonObject> {
  const values = await visibleAttributes(reader, personId, [bucket]);
  await requirePerson(reader, personId);
  return values[bucket] as JsonObject;
}
