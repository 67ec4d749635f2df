import { z } from 'zod';
import { bearerCredential } from '../auth/authenticate.ts';
import { loginWithApiKey } from '../auth/login.ts';
import {
  deleteUserAttributeValue,
  setUserAttributeValue,
  userAttributeValues,
} from '../domain/user-attributes/attribute-values.ts';
import { setUserValueInput, userIdInput } from '../domain/user-attributes/inputs.ts';
import type { AttributeValueView } from '../domain/user-attributes/views.ts';
import { checkInput } from '../domain/validate.ts';
import { AppError, badInputAt } from '../errors.ts';
import { json, noContent, type RestCall, type RestFailure, type Vendor } from './endpoint.ts';

/**
 * Looker API 4.0's user attribute values of a user (CONTRACT §9, seed looker-set-user-attribute-value.txt), under
 * /api/4.0: `POST /login` (client_id = org id, client_secret = an org API key), then the values of a user with the
 * login token or an org API key as Bearer. Bodies are snake_case; input errors are 422 with `errors`.
 */

const prefix = '/api/4.0';
const documentationUrl = 'https://cloud.google.com/looker/docs/r/api/support';
const valuePath = '/api/4.0/users/{userId}/attribute_values/{attributeId}';
const valuesPath = '/api/4.0/users/{userId}/attribute_values';

/** Looker's UserAttributeWithValue: snake_case, `source` lower-case. */
function lookerValue(view: AttributeValueView) {
  return {
    can: {},
    name: view.name,
    label: view.label,
    rank: view.rank,
    value: view.value,
    user_id: view.userId,
    user_can_edit: view.userCanEdit,
    value_is_hidden: view.valueIsHidden,
    user_attribute_id: view.userAttributeId,
    source: view.source.toLowerCase(),
    hidden_value_domain_whitelist: view.hiddenValueDomainWhitelist,
  };
}

/** A comma-separated query parameter as a list, or null when absent. */
function listParam(url: URL, name: string): string[] | null {
  const raw = url.searchParams.get(name);
  return raw === null
    ? null
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
}

/** Looker's boolean query parameters: "true"/"false". */
function boolParam(url: URL, name: string): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === 'false') return false;
  if (raw === 'true') return true;
  throw badInputAt([name], 'must be true or false');
}

/** `fields` selects response properties, as everywhere in Looker's API. */
function selectFields(entry: Record<string, unknown>, fields: string[] | null): Record<string, unknown> {
  return fields ? Object.fromEntries(fields.filter((f) => f in entry).map((f) => [f, entry[f]])) : entry;
}

function valueInput(call: RestCall) {
  return { userId: call.params.userId as string, userAttributeId: call.params.attributeId as string };
}

/** Looker's input fields are snake_case: issue paths are translated back for `errors[].field`. */
const lookerField = (path: string[]) =>
  path.map((segment) => (segment === 'userId' ? 'user_id' : segment)).join('.') || 'body';

function errorResponse(failure: RestFailure): Response {
  const message = failure.status === 401 ? 'Requires authentication.' : failure.message;
  const body: Record<string, unknown> = { message, documentation_url: documentationUrl };
  if (failure.status === 422) {
    body.message = 'Validation Failed';
    body.errors = (failure.issues ?? [{ path: [], message: failure.message }]).map((issue) => ({
      field: lookerField(issue.path),
      code: 'invalid',
      message: issue.message,
      documentation_url: documentationUrl,
    }));
  }
  return json(failure.status, body);
}

/** Looker's error body; 422 adds `errors`. */
const errorSchema = z.object({
  message: z.string(),
  documentation_url: z.string(),
  errors: z
    .array(z.object({ field: z.string(), code: z.string(), message: z.string(), documentation_url: z.string() }))
    .optional(),
});

export const looker: Vendor = {
  name: 'looker',
  errors: {
    statuses: [400, 401, 403, 404, 413, 422, 429, 500, 503],
    contentType: 'application/json',
    schema: errorSchema,
  },
  security: ['bearer'],
  owns: (path) => path === prefix || path.startsWith(`${prefix}/`),
  credential: (request) => bearerCredential(request.headers),
  // Looker answers invalid input with 422; a body that is not JSON stays 400, like a failed login stays 404.
  statusFor: (code) => (code === 'BAD_USER_INPUT' ? 422 : undefined),
  errorResponse,
  routes: [
    {
      method: 'POST',
      path: '/api/4.0/login',
      operation: 'looker.login',
      summary: 'Exchange client_id (org id) and client_secret (org API key) for an access token',
      success: 200,
      caller: 'none',
      body: 'form',
      handle: async ({ body, url }) => {
        // The SDK sends the form in the body; Looker also takes the two fields as query parameters.
        const fields = { ...Object.fromEntries(url.searchParams), ...(body as Record<string, unknown> | undefined) };
        const { client_id: clientId, client_secret: clientSecret } = fields;
        if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
          throw {
            status: 400,
            code: 'MALFORMED_BODY',
            message: 'client_id and client_secret are required.',
          } satisfies RestFailure;
        }
        const login = await loginWithApiKey(clientId, clientSecret).catch((error: unknown) => {
          // Looker's own answer to bad API credentials is 404; other failures (429, 503) stay what they are.
          if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
            throw { status: 404, code: 'NOT_FOUND', message: 'Not found' } satisfies RestFailure;
          }
          throw error;
        });
        return json(200, { access_token: login.token, token_type: 'Bearer', expires_in: login.expiresIn });
      },
    },
    {
      method: 'GET',
      path: valuesPath,
      operation: 'looker.userAttributeUserValues',
      summary: "A user's attribute values",
      success: 200,
      query: {
        fields: 'Comma-separated response properties to return.',
        user_attribute_ids: 'Comma-separated user attribute ids to return.',
        all_values: 'true: every value on the search path, in precedence order.',
        include_unset: 'true: also attributes without any value.',
      },
      caller: 'org',
      body: 'none',
      handle: async (call) => {
        const { userId } = checkInput(userIdInput, { userId: call.params.userId });
        const values = await userAttributeValues(call.reader, userId, {
          ids: listParam(call.url, 'user_attribute_ids'),
          allValues: boolParam(call.url, 'all_values'),
          includeUnset: boolParam(call.url, 'include_unset'),
        });
        const fields = listParam(call.url, 'fields');
        return json(
          200,
          values.map((view) => selectFields(lookerValue(view), fields)),
        );
      },
    },
    {
      method: 'PATCH',
      path: valuePath,
      operation: 'looker.setUserAttributeUserValue',
      summary: "Set a user's own value of a user attribute",
      success: 200,
      caller: 'org',
      body: 'json',
      handle: async (call) => {
        const value = (call.body as { value?: unknown } | null)?.value;
        const input = checkInput(setUserValueInput, { ...valueInput(call), value });
        return json(
          200,
          lookerValue(await setUserAttributeValue(call.reader, { ...valueInput(call), value: input.value })),
        );
      },
    },
    {
      method: 'DELETE',
      path: valuePath,
      operation: 'looker.deleteUserAttributeUserValue',
      summary: "Delete a user's own value of a user attribute",
      success: 204,
      caller: 'org',
      body: 'none',
      handle: async (call) => {
        checkInput(userIdInput, { userId: call.params.userId });
        await deleteUserAttributeValue(call.reader, valueInput(call));
        return noContent();
      },
    },
  ],
};
