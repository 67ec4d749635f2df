import { expect } from 'vitest';
import { expectData, expectError, type GraphQLResponse, gql } from './graphql.ts';

export const metadataFields = 'id name externalId profileUrl email type status custom updated eTag';

export interface UuidMetadataJson {
  id: string;
  name: string | null;
  externalId: string | null;
  profileUrl: string | null;
  email: string | null;
  type: string | null;
  status: string | null;
  custom: Record<string, unknown> | null;
  updated: string;
  eTag: string;
}

export const setMutation = `mutation Set($input: SetUuidMetadataInput!) {
  setUuidMetadata(input: $input) { uuidMetadata { ${metadataFields} } }
}`;
export const removeMutation = `mutation Remove($input: RemoveUuidMetadataInput!) {
  removeUuidMetadata(input: $input) { uuid }
}`;
export const getQuery = `query Get($uuid: ID!) { uuidMetadata(uuid: $uuid) { ${metadataFields} } }`;

/** Sends setUuidMetadata with `input` as it is (omitted keys stay omitted). */
export function sendSet(auth: string, input: Record<string, unknown>) {
  return gql<{ setUuidMetadata: { uuidMetadata: UuidMetadataJson } }>(setMutation, { input }, { auth });
}

/** setUuidMetadata that must succeed; returns the metadata it answered. */
export async function setMetadata(auth: string, input: Record<string, unknown>): Promise<UuidMetadataJson> {
  return expectData(await sendSet(auth, input)).setUuidMetadata.uuidMetadata;
}

export async function getMetadata(auth: string, uuid: string): Promise<UuidMetadataJson | null> {
  return expectData(await gql<{ uuidMetadata: UuidMetadataJson | null }>(getQuery, { uuid }, { auth })).uuidMetadata;
}

/** Asserts BAD_USER_INPUT whose issues name exactly these input paths (a path may carry several messages). */
export function expectIssues(response: GraphQLResponse<unknown>, paths: string[][]): void {
  const error = expectError(response, 'BAD_USER_INPUT');
  const issues = error.extensions?.issues ?? [];
  const actual = [...new Set(issues.map((issue) => JSON.stringify(issue.path)))].sort();
  expect(actual, JSON.stringify(issues)).toEqual(paths.map((path) => JSON.stringify(path)).sort());
  for (const issue of issues) expect(issue.message).toMatch(/\w/);
}
