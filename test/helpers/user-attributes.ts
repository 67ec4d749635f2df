import { expectData, gql } from './graphql.ts';

/** Every field of UserAttributeWithValue, for assertions on whole entries. */
export const valueFields =
  'name label rank value userId userCanEdit valueIsHidden userAttributeId source sourceGroup hiddenValueDomainWhitelist';

export const createAttributeMutation = `mutation Create($input: CreateUserAttributeInput!) {
  createUserAttribute(input: $input) { userAttribute { id name label type defaultValue valueIsHidden userCanView userCanEdit hiddenValueDomainWhitelist } }
}`;
export const updateAttributeMutation = `mutation Update($input: UpdateUserAttributeInput!) {
  updateUserAttribute(input: $input) { userAttribute { id name label type defaultValue valueIsHidden userCanView userCanEdit hiddenValueDomainWhitelist } }
}`;
export const deleteAttributeMutation = `mutation Delete($input: DeleteUserAttributeInput!) {
  deleteUserAttribute(input: $input) { deletedUserAttributeId }
}`;
export const setGroupValuesMutation = `mutation SetGroups($input: SetUserAttributeGroupValuesInput!) {
  setUserAttributeGroupValues(input: $input) { values { id group userAttributeId value rank } }
}`;
export const groupValuesQuery = `query GroupValues($id: ID!) {
  userAttributeGroupValues(userAttributeId: $id) { id group userAttributeId value rank }
}`;
export const setValueMutation = `mutation SetValue($input: SetUserAttributeValueInput!) {
  setUserAttributeValue(input: $input) { value { ${valueFields} } }
}`;
export const deleteValueMutation = `mutation DeleteValue($input: DeleteUserAttributeValueInput!) {
  deleteUserAttributeValue(input: $input) { value { ${valueFields} } }
}`;
export const setMyValueMutation = `mutation SetMine($input: SetMyUserAttributeValueInput!) {
  setMyUserAttributeValue(input: $input) { value { ${valueFields} } }
}`;
export const valuesQuery = `query Values($userId: ID!, $fields: [String!], $allValues: Boolean, $includeUnset: Boolean) {
  userAttributeValues(userId: $userId, fields: $fields, allValues: $allValues, includeUnset: $includeUnset) { ${valueFields} }
}`;
export const myValuesQuery = `query Mine($fields: [String!]) { myAttributeValues(fields: $fields) { ${valueFields} } }`;

export interface AttributeJson {
  id: string;
  name: string;
  label: string;
  type: string;
  defaultValue: string | null;
  valueIsHidden: boolean;
  userCanView: boolean;
  userCanEdit: boolean;
  hiddenValueDomainWhitelist: string | null;
}

export interface ValueJson {
  name: string;
  label: string;
  rank: number | null;
  value: string | null;
  userId: string;
  userCanEdit: boolean;
  valueIsHidden: boolean;
  userAttributeId: string;
  source: 'USER' | 'GROUP' | 'DEFAULT' | 'UNSET';
  sourceGroup: string | null;
  hiddenValueDomainWhitelist: string | null;
}

export interface GroupValueJson {
  id: string;
  group: string;
  userAttributeId: string;
  value: string | null;
  rank: number;
}

export async function createAttribute(auth: string, input: Record<string, unknown>): Promise<AttributeJson> {
  const data = expectData(
    await gql<{ createUserAttribute: { userAttribute: AttributeJson } }>(
      createAttributeMutation,
      { input: { type: 'STRING', label: String(input.name), ...input } },
      { auth },
    ),
  );
  return data.createUserAttribute.userAttribute;
}

export async function createPersons(auth: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    expectData(
      await gql('mutation($id: ID!) { createPerson(input: { id: $id }) { person { id } } }', { id }, { auth }),
    );
  }
}

/** Replaces the person's groups through the real setPersonGroups mutation. */
export async function setPersonGroups(auth: string, personId: string, groups: string[]): Promise<void> {
  expectData(
    await gql(
      'mutation($input: SetPersonGroupsInput!) { setPersonGroups(input: $input) { person { id } } }',
      { input: { personId, groups } },
      { auth },
    ),
  );
}

export async function setGroupValues(
  auth: string,
  userAttributeId: string,
  values: { group: string; value: string; rank?: number | null }[],
): Promise<GroupValueJson[]> {
  const data = expectData(
    await gql<{ setUserAttributeGroupValues: { values: GroupValueJson[] } }>(
      setGroupValuesMutation,
      { input: { userAttributeId, values } },
      { auth },
    ),
  );
  return data.setUserAttributeGroupValues.values;
}

export async function setUserValue(
  auth: string,
  userId: string,
  userAttributeId: string,
  value: string,
): Promise<ValueJson> {
  const data = expectData(
    await gql<{ setUserAttributeValue: { value: ValueJson } }>(
      setValueMutation,
      { input: { userId, userAttributeId, value } },
      { auth },
    ),
  );
  return data.setUserAttributeValue.value;
}

export async function valuesOf(
  auth: string,
  userId: string,
  args: { fields?: string[]; allValues?: boolean; includeUnset?: boolean } = {},
): Promise<ValueJson[]> {
  const data = expectData(await gql<{ userAttributeValues: ValueJson[] }>(valuesQuery, { userId, ...args }, { auth }));
  return data.userAttributeValues;
}

/** A person token with both person scopes (or the ones given). */
export async function personToken(
  auth: string,
  personId: string,
  scopes = ['user:attributes:read', 'user:attributes:write'],
): Promise<string> {
  const data = expectData(
    await gql<{ mintPersonToken: { token: string } }>(
      'mutation($personId: ID!, $scopes: [String!]!) { mintPersonToken(input: { personId: $personId, scopes: $scopes }) { token } }',
      { personId, scopes },
      { auth },
    ),
  );
  return data.mintPersonToken.token;
}

/** The precedence-relevant part of entries: [source, value, rank, sourceGroup] per entry. */
export const brief = (values: ValueJson[]) => values.map((v) => [v.name, v.source, v.value, v.rank, v.sourceGroup]);
