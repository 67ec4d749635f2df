import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { bearerCredential } from '../auth/authenticate.ts';
import { myAttributesInput } from '../domain/persons/inputs.ts';
import { updateMyAttributes } from '../domain/persons/my-attributes.ts';
import { checkInput } from '../domain/validate.ts';
import { json, noContent, type RestFailure, type Vendor } from './endpoint.ts';

/**
 * PACE's "update the user's attributes" (CONTRACT §9, seed pace-update-user-attributes.txt): `PUT /attributes`
 * with a person token (user:attributes:write) merges into the caller's end_user_read_write bucket.
 * Errors are JSON:API documents; PACE answers unexpected failures with 501.
 */

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  501: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** attrql's codes in PACE's style: BAD_USER_INPUT → bad-user-input. */
const kebab = (code: string) => code.toLowerCase().replaceAll('_', '-');

function errorResponse(failure: RestFailure): Response {
  const entry = (detail: string, pointer?: string[]) => ({
    id: randomUUID(),
    status: String(failure.status),
    code: kebab(failure.code),
    title: titles[failure.status] ?? 'Error',
    detail,
    ...(pointer
      ? { source: { pointer: `/${pointer.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}` } }
      : {}),
  });
  const errors = failure.issues?.length
    ? failure.issues.map((issue) => entry(issue.message, issue.path))
    : [entry(failure.message)];
  return json(failure.status, { errors }, 'application/vnd.api+json');
}

/** PACE's JSON:API error document. */
const errorSchema = z.object({
  errors: z
    .array(
      z.object({
        id: z.string(),
        status: z.string(),
        code: z.string(),
        title: z.string(),
        detail: z.string(),
        source: z.object({ pointer: z.string() }).optional(),
      }),
    )
    .min(1),
});

export const pace: Vendor = {
  name: 'pace',
  errors: {
    statuses: [400, 401, 403, 404, 413, 429, 501, 503],
    contentType: 'application/vnd.api+json',
    schema: errorSchema,
  },
  security: ['bearer'],
  owns: (path) => path === '/attributes' || path.startsWith('/attributes/'),
  credential: (request) => bearerCredential(request.headers),
  statusFor: (code) => (code === 'INTERNAL_SERVER_ERROR' ? 501 : undefined),
  errorResponse,
  routes: [
    {
      method: 'PUT',
      path: '/attributes',
      operation: 'pace.updateAttributes',
      summary: "Merge into the caller's end_user_read_write attributes",
      success: 204,
      caller: 'any',
      body: 'json',
      handle: async (call) => {
        const input = checkInput(myAttributesInput, { attributes: call.body });
        await updateMyAttributes(call.principal, input.attributes);
        return noContent();
      },
    },
  ],
};
