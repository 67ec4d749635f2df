import { expect } from 'vitest';
import { createOrganization } from '../../src/domain/organizations.ts';
import { yoga } from '../../src/server.ts';

export interface GraphQLErrorJson {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; issues?: { path: string[]; message: string }[]; [key: string]: unknown };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: GraphQLErrorJson[];
}

export interface RequestOptions {
  /** An org API key or person token, sent as a bearer credential. */
  auth?: string;
  headers?: Record<string, string>;
  /** Another server than the default one (e.g. created with different settings). */
  server?: typeof yoga;
}

/** Sends one GraphQL operation through the real server, in-process (yoga.fetch). */
export async function gql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  options: RequestOptions = {},
): Promise<GraphQLResponse<T>> {
  const server = options.server ?? yoga;
  const response = await server.fetch('http://attrql.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.auth ? { authorization: `Bearer ${options.auth}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLErrorJson[] };
  return { status: response.status, headers: response.headers, ...body };
}

/** Asserts that the response failed with exactly this error code, and returns that error. */
export function expectError(response: GraphQLResponse<unknown>, code: string): GraphQLErrorJson {
  expect(response.errors, JSON.stringify(response)).toBeDefined();
  const error = response.errors?.[0] as GraphQLErrorJson;
  expect(error.extensions?.code, JSON.stringify(response.errors)).toBe(code);
  return error;
}

/** Asserts that the response has no errors, and returns its data. */
export function expectData<T>(response: GraphQLResponse<T>): T {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data as T;
}

/** A new organization with its API key, created the same way the admin CLI does. */
export function newOrg(name = 'acme') {
  return createOrganization(name);
}
