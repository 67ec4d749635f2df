import type { UserAttribute } from '../../db/client.ts';
import { isEndUser, orgIdOf, personOf, type Reader, writerOf } from '../../loaders/reader.ts';
import { userAttributesLoader } from '../../loaders/user-attributes.ts';
import { requirePerson } from '../persons/read-person.ts';
import { effectiveValues } from './effective-values.ts';
import type { ResolveOptions } from './resolve.ts';
import { deleteUserValue, setUserValue } from './user-values.ts';
import { type AttributeValueView, attributeValueView, type UserAttributeView, userAttributeView } from './views.ts';

/** The operations on persons' user attribute values (Looker), for GraphQL and REST alike. */

/** The organization's user attributes, by name. */
export async function listUserAttributes(reader: Reader): Promise<UserAttributeView[]> {
  return (await userAttributesLoader(reader).load(orgIdOf(reader))).map(userAttributeView);
}

/**
 * A person's values as the caller may see them (CONTRACT §7); end users only get attributes they may view.
 * The person must exist in the caller's organization (checked by the caller: see `userAttributeValues`).
 */
export async function valuesOfPerson(
  reader: Reader,
  personId: string,
  options: ResolveOptions = {},
): Promise<AttributeValueView[]> {
  const endUser = isEndUser(reader);
  const resolved = await effectiveValues(reader, personId, { ...options, endUser });
  return resolved.map((entry) => attributeValueView(entry, endUser));
}

/** `userAttributeValues`: NOT_FOUND for an unknown person (or another organization's). */
export async function userAttributeValues(
  reader: Reader,
  personId: string,
  options: ResolveOptions = {},
): Promise<AttributeValueView[]> {
  await requirePerson(reader, personId);
  return valuesOfPerson(reader, personId, options);
}

/** The one entry for `attribute` after a write in this request: the request's loaders forget what they read. */
async function valueAfterWrite(
  reader: Reader,
  personId: string,
  attribute: UserAttribute,
): Promise<AttributeValueView> {
  reader.loaders.clear();
  const [entry] = await effectiveValues(reader, personId, { fields: [attribute.name], includeUnset: true });
  const resolved = entry ?? { attribute, personId, source: 'UNSET', value: null, rank: null, sourceGroup: null };
  return attributeValueView(resolved, isEndUser(reader));
}

export interface UserValueInput {
  userId: string;
  userAttributeId: string;
}

/** Sets a person's own value; returns the effective value afterwards. */
export async function setUserAttributeValue(
  reader: Reader,
  input: UserValueInput & { value: string },
): Promise<AttributeValueView> {
  const attribute = await setUserValue(writerOf(reader), input.userId, input.userAttributeId, input.value);
  return valueAfterWrite(reader, input.userId, attribute);
}

/** Removes a person's own value; returns what applies now (group, default or UNSET). */
export async function deleteUserAttributeValue(reader: Reader, input: UserValueInput): Promise<AttributeValueView> {
  const attribute = await deleteUserValue(writerOf(reader), input.userId, input.userAttributeId);
  return valueAfterWrite(reader, input.userId, attribute);
}

/** An end user sets their own value of a userCanEdit attribute (else FORBIDDEN). */
export async function setMyUserAttributeValue(
  reader: Reader,
  input: { userAttributeId: string; value: string },
): Promise<AttributeValueView> {
  const { personId } = personOf(reader);
  const attribute = await setUserValue(writerOf(reader), personId, input.userAttributeId, input.value, {
    endUser: true,
  });
  return valueAfterWrite(reader, personId, attribute);
}
