import { expectData, gql } from './graphql.ts';

/** GraphQL documents and small steps the persons / attributes / end-user tests share. */

export const personFields = 'id active personType region handles { type value } groups roles eTag createdAt updatedAt';

export const createPersonDoc = `mutation CreatePerson($input: CreatePersonInput!) {
  createPerson(input: $input) { person { ${personFields} attributes } }
}`;
export const patchPersonDoc = `mutation PatchPerson($input: PatchPersonInput!) {
  patchPerson(input: $input) { person { ${personFields} } }
}`;
export const deletePersonDoc = `mutation DeletePerson($input: DeletePersonInput!) {
  deletePerson(input: $input) { deletedPersonId }
}`;
export const setGroupsDoc = `mutation SetGroups($input: SetPersonGroupsInput!) {
  setPersonGroups(input: $input) { person { id groups eTag } }
}`;
export const createRoleDoc = `mutation CreateRole($input: CreateRoleInput!) { createRole(input: $input) { role { id name } } }`;
export const createBucketDoc = `mutation CreateBucket($input: CreateAttributeBucketInput!) {
  createAttributeBucket(input: $input) { bucket { name endUserPermissions builtIn } }
}`;
export const mergeDoc = `mutation Merge($input: UpdatePersonAttributesInput!) {
  updatePersonAttributes(input: $input) { person { id eTag } attributes }
}`;
export const replaceDoc = `mutation Replace($input: UpdatePersonAttributesInput!) {
  setPersonAttributes(input: $input) { person { id eTag } attributes }
}`;
export const deleteAttributesDoc = `mutation DeleteAttributes($input: DeletePersonAttributesInput!) {
  deletePersonAttributes(input: $input) { person { id eTag } attributes }
}`;
export const personDoc = `query Person($id: ID!) { person(id: $id) { ${personFields} attributes } }`;
export const bucketDoc = `query Bucket($id: ID!, $name: String!) { person(id: $id) { bucket(name: $name) } }`;
export const mintDoc = `mutation Mint($input: MintPersonTokenInput!) { mintPersonToken(input: $input) { token } }`;
export const updateMyDoc = `mutation UpdateMine($input: UpdateMyAttributesInput!) {
  updateMyAttributes(input: $input) { attributes }
}`;

export interface PersonJson {
  id: string;
  active: boolean;
  personType: string;
  region: string;
  handles: { type: string; value: string }[];
  groups: string[];
  roles: string[];
  eTag: string;
  createdAt: string;
  updatedAt: string;
  attributes?: Record<string, Record<string, unknown>>;
}

export async function createPerson(auth: string, input: Record<string, unknown> = {}): Promise<PersonJson> {
  const data = expectData(await gql<{ createPerson: { person: PersonJson } }>(createPersonDoc, { input }, { auth }));
  return data.createPerson.person;
}

export async function readPerson(auth: string, id: string): Promise<PersonJson | null> {
  return expectData(await gql<{ person: PersonJson | null }>(personDoc, { id }, { auth })).person;
}

export async function merge(auth: string, personId: string, bucket: string, attributes: Record<string, unknown>) {
  const data = expectData(
    await gql<{ updatePersonAttributes: { person: { eTag: string }; attributes: Record<string, unknown> } }>(
      mergeDoc,
      { input: { personId, bucket, attributes } },
      { auth },
    ),
  );
  return data.updatePersonAttributes;
}

export async function mintToken(
  auth: string,
  personId: string,
  scopes = ['user:attributes:read', 'user:attributes:write'],
): Promise<string> {
  const data = expectData(
    await gql<{ mintPersonToken: { token: string } }>(mintDoc, { input: { personId, scopes } }, { auth }),
  );
  return data.mintPersonToken.token;
}

/** The issue paths of a BAD_USER_INPUT response, for exact comparison. */
export function issuePaths(response: { errors?: { extensions?: { issues?: { path: string[] }[] } }[] }): string[][] {
  return (response.errors?.[0]?.extensions?.issues ?? []).map((issue) => issue.path);
}
