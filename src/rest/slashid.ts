import { z } from 'zod';
import { bearerCredential } from '../auth/authenticate.ts';
import { deleteAttributes, mergeAttributes, replaceAttributes } from '../domain/persons/attributes.ts';
import { bucketDeleteInput, bucketReadInput, bucketWriteInput, patchPersonInput } from '../domain/persons/inputs.ts';
import { patchPerson } from '../domain/persons/patch-person.ts';
import { type PersonView, personView, readPersonBucket } from '../domain/persons/read-person.ts';
import { checkInput } from '../domain/validate.ts';
import { badInputAt } from '../errors.ts';
import { writerOf } from '../loaders/reader.ts';
import { json, noContent, type RestCall, type RestFailure, type RestRoute, type Vendor } from './endpoint.ts';

/**
 * SlashID's person endpoints (CONTRACT §9, seeds slashid-*.txt): bucket attributes and "modify an existing person".
 * Credentials: an org API key as `SlashID-API-Key` or Bearer; `SlashID-OrgID` must name the key's organization.
 */

const bucketPath = '/persons/{personId}/attributes/{bucket}';
const personPath = '/persons/{personId}';

/** SlashID spells enum values lower-case, regions with hyphens: REGULAR → regular, US_IOWA → us-iowa. */
const lower = (value: string) => value.toLowerCase();
const regionName = (value: string) => value.toLowerCase().replaceAll('_', '-');

/** SlashID's "abridged person structure". */
function personResult(view: PersonView) {
  return {
    person_id: view.person.id,
    active: view.person.active,
    person_type: lower(view.person.personType),
    region: regionName(view.person.region),
    handles: view.handles.map((handle) => ({ type: lower(handle.type), value: handle.value })),
    groups: view.groups,
    roles: view.roles,
    attributes: view.attributes,
  };
}

function bucketInput(call: RestCall) {
  return { personId: call.params.personId as string, bucket: call.params.bucket as string };
}

/** `?attributes=a,b` (repeating the parameter works too): the names to delete; at least one. */
function namesToDelete(url: URL): string[] {
  const names = url.searchParams.getAll('attributes').flatMap((list) => list.split(','));
  if (names.length === 0) throw badInputAt(['attributes'], 'name at least one attribute: ?attributes=a,b');
  return names;
}

/** The person patch body: an object with optional `active` (boolean) and `roles` (strings); other keys ignored. */
function personPatchBody(body: unknown): { active?: boolean | null; roles?: string[] | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badInputAt([], 'the body must be a JSON object like {"active": true, "roles": ["admin"]}');
  }
  const { active, roles } = body as Record<string, unknown>;
  if (active != null && typeof active !== 'boolean') throw badInputAt(['active'], 'must be a boolean');
  if (roles != null && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
    throw badInputAt(['roles'], 'must be a list of role names');
  }
  return { active: active as boolean | null | undefined, roles: roles as string[] | null | undefined };
}

function errorResponse(failure: RestFailure): Response {
  const messages = failure.issues?.length
    ? failure.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    : [failure.message];
  return json(failure.status, {
    meta: {},
    errors: messages.map((message) => ({ httpcode: failure.status, message })),
  });
}

/** The org header is required by SlashID; its value is checked against the credential with GraphQL's check. */
function requireOrgHeader(request: Request): void {
  if (!request.headers.get('slashid-orgid'))
    throw badInputAt(['SlashID-OrgID'], 'the SlashID-OrgID header is required');
}

/** PATCH (merge) and PUT (replace) differ only in the domain write they call; both answer 204. */
function bucketWriteRoute(
  method: 'PATCH' | 'PUT',
  operation: string,
  summary: string,
  write: typeof mergeAttributes | typeof replaceAttributes,
): RestRoute {
  return {
    method,
    path: bucketPath,
    operation,
    summary,
    success: 204,
    caller: 'org',
    body: 'json',
    handle: async (call) => {
      requireOrgHeader(call.request);
      const input = checkInput(bucketWriteInput, { ...bucketInput(call), attributes: call.body });
      await write(writerOf(call.reader), input.personId, input.bucket, input.attributes);
      return noContent();
    },
  };
}

/** SlashID's error body. */
const errorSchema = z.object({
  meta: z.object({}),
  errors: z.array(z.object({ httpcode: z.number().int(), message: z.string() })).min(1),
});

export const slashid: Vendor = {
  name: 'slashid',
  errors: { statuses: [400, 401, 403, 404, 413, 429, 500, 503], contentType: 'application/json', schema: errorSchema },
  security: ['slashidApiKey', 'bearer'],
  owns: (path) => path === '/persons' || path.startsWith('/persons/'),
  credential: (request) => request.headers.get('slashid-api-key') ?? bearerCredential(request.headers),
  errorResponse,
  routes: [
    bucketWriteRoute(
      'PATCH',
      'slashid.mergeBucket',
      'Merge attributes into a bucket (other keys stay)',
      mergeAttributes,
    ),
    bucketWriteRoute('PUT', 'slashid.replaceBucket', 'Replace a bucket with the given attributes', replaceAttributes),
    {
      method: 'GET',
      path: bucketPath,
      operation: 'slashid.getBucket',
      summary: 'Read one attribute bucket of a person',
      success: 200,
      caller: 'org',
      body: 'none',
      handle: async (call) => {
        requireOrgHeader(call.request);
        const input = checkInput(bucketReadInput, bucketInput(call));
        return json(200, { result: await readPersonBucket(call.reader, input.personId, input.bucket) });
      },
    },
    {
      method: 'DELETE',
      path: bucketPath,
      operation: 'slashid.deleteBucketAttributes',
      summary: 'Delete the named attributes from a bucket',
      success: 204,
      query: { attributes: 'Comma-separated attribute names to delete (at least one).' },
      caller: 'org',
      body: 'none',
      handle: async (call) => {
        requireOrgHeader(call.request);
        const input = checkInput(bucketDeleteInput, { ...bucketInput(call), names: namesToDelete(call.url) });
        await deleteAttributes(writerOf(call.reader), input.personId, input.bucket, input.names);
        return noContent();
      },
    },
    {
      method: 'PATCH',
      path: personPath,
      operation: 'slashid.patchPerson',
      summary: 'Change whether a person is active and/or replace its roles',
      success: 200,
      caller: 'org',
      body: 'json',
      handle: async (call) => {
        requireOrgHeader(call.request);
        const patch = personPatchBody(call.body);
        const input = checkInput(patchPersonInput, { personId: call.params.personId, ...patch });
        const person = await patchPerson(writerOf(call.reader), input.personId, input);
        return json(200, { result: personResult(await personView(call.reader, person)) });
      },
    },
  ],
};
