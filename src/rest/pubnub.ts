import { z } from 'zod';
import { bearerCredential } from '../auth/authenticate.ts';
import type { UuidMetadataChanges } from '../domain/uuid-metadata/content.ts';
import { removeUuidMetadata } from '../domain/uuid-metadata/remove-uuid-metadata.ts';
import { setUuidMetadataSchema, uuidInput } from '../domain/uuid-metadata/rules.ts';
import { setUuidMetadata } from '../domain/uuid-metadata/set-uuid-metadata.ts';
import { readUuidMetadata, type UuidMetadataView } from '../domain/uuid-metadata/view.ts';
import { checkInput } from '../domain/validate.ts';
import { badInputAt, forbidden, notFound } from '../errors.ts';
import { orgIdOf, writerOf } from '../loaders/reader.ts';
import { json, type RestCall, type RestFailure, type RestRoute, type Vendor } from './endpoint.ts';

/**
 * PubNub App Context's user (uuid) metadata (CONTRACT §9, seed pubnub-set-uuid-metadata.txt), as the official
 * SDK calls it: `sub_key` is the organization id, the org API key comes as the `auth` query parameter (or
 * Bearer); the SDK's other query parameters (uuid, requestid, pnsdk, signature, timestamp) are accepted and unused.
 */

const uuidPath = '/v2/objects/{subKey}/uuids/{uuid}';

/** The body fields PubNub lets a client set; other names are silently ignored, as PubNub does. */
const settable = ['name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom'] as const;
/** Fields only answered when `include` names them. */
const includable = ['custom', 'type', 'status'] as const;

function included(url: URL): Set<string> {
  return new Set(url.searchParams.getAll('include').flatMap((list) => list.split(',')));
}

/** PubNub's uuid object: the base fields, plus those of `include`. */
function uuidData(view: UuidMetadataView, include: Set<string>) {
  const { id, name, externalId, profileUrl, email, updated, eTag } = view;
  const extra = Object.fromEntries(
    includable.filter((field) => include.has(field)).map((field) => [field, view[field]]),
  );
  return { id, name, externalId, profileUrl, email, ...extra, updated: updated.toISOString(), eTag };
}

/** The uuid of the path, in the caller's organization: `sub_key` must be that organization's id. */
function uuidOf(call: RestCall): string {
  if (call.params.subKey !== orgIdOf(call.reader))
    throw forbidden('The subscribe key is not the credential’s organization.');
  return checkInput(uuidInput, { uuid: call.params.uuid }).uuid;
}

function changesOf(body: unknown): UuidMetadataChanges {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badInputAt([], 'the body must be a JSON object of uuid metadata');
  }
  const given = body as Record<string, unknown>;
  return Object.fromEntries(settable.filter((field) => field in given).map((field) => [field, given[field]]));
}

/** The eTag of `If-Match`, as the SDK sends it (bare) or quoted as HTTP spells entity tags. */
function ifMatchOf(request: Request): string | null {
  const value = request.headers.get('if-match');
  return value === null ? null : (/^"(.*)"$/.exec(value)?.[1] ?? value);
}

function errorResponse(failure: RestFailure): Response {
  const source = failure.status === 401 || failure.status === 403 ? 'authz' : 'metadata';
  const details = (failure.issues ?? []).map((issue) => ({
    message: issue.message,
    location: issue.path.join('.'),
    locationType: issue.path[0] === 'uuid' ? 'path' : 'body',
  }));
  return json(failure.status, { status: failure.status, error: { message: failure.message, source, details } });
}

/** What the SDK adds to every call: accepted, and (but for auth) unused. */
const sdkQuery = {
  auth: 'An org API key (or send it as a Bearer token).',
  uuid: 'The client’s own uuid (sent by the SDK; unused).',
  requestid: 'Sent by the SDK; unused.',
  pnsdk: 'Sent by the SDK; unused.',
  signature: 'Sent by the SDK; unused.',
  timestamp: 'Sent by the SDK; unused.',
};

const routes: RestRoute[] = [
  {
    method: 'PATCH',
    path: uuidPath,
    operation: 'pubnub.setUUIDMetadata',
    summary: "Set a uuid's metadata (If-Match: only when the eTag is current)",
    success: 200,
    query: { ...sdkQuery, include: 'Comma-separated extra fields to return: custom, type, status.' },
    caller: 'org',
    body: 'json',
    handle: async (call) => {
      const uuid = uuidOf(call);
      const changes = changesOf(call.body);
      const ifMatch = ifMatchOf(call.request);
      checkInput(setUuidMetadataSchema, { ...changes, uuid, ifMatch });
      const view = await setUuidMetadata(writerOf(call.reader), uuid, changes, ifMatch);
      return json(200, { status: 200, data: uuidData(view, included(call.url)) });
    },
  },
  {
    method: 'GET',
    path: uuidPath,
    operation: 'pubnub.getUUIDMetadata',
    summary: "Read a uuid's metadata",
    success: 200,
    query: { ...sdkQuery, include: 'Comma-separated extra fields to return: custom, type, status.' },
    caller: 'org',
    body: 'none',
    handle: async (call) => {
      const view = await readUuidMetadata(call.reader, uuidOf(call));
      if (!view) throw notFound('UUID metadata');
      return json(200, { status: 200, data: uuidData(view, included(call.url)) });
    },
  },
  {
    method: 'DELETE',
    path: uuidPath,
    operation: 'pubnub.removeUUIDMetadata',
    summary: "Remove a uuid's metadata (the person stays)",
    success: 200,
    query: sdkQuery,
    caller: 'org',
    body: 'none',
    handle: async (call) => {
      await removeUuidMetadata(writerOf(call.reader), uuidOf(call));
      return json(200, { status: 200, data: null });
    },
  },
];

/** PubNub's error body. */
const errorSchema = z.object({
  status: z.number().int(),
  error: z.object({
    message: z.string(),
    source: z.enum(['metadata', 'authz']),
    details: z.array(
      z.object({
        message: z.string(),
        location: z.string(),
        locationType: z.enum(['path', 'query', 'header', 'body']),
      }),
    ),
  }),
});

export const pubnub: Vendor = {
  name: 'pubnub',
  errors: {
    statuses: [400, 401, 403, 404, 412, 413, 415, 429, 500, 503],
    contentType: 'application/json',
    schema: errorSchema,
  },
  security: ['pubnubAuth', 'bearer'],
  owns: (path) => path.startsWith('/v2/objects/') || path === '/v2/objects',
  credential: (request, url) => url.searchParams.get('auth') || bearerCredential(request.headers),
  // PubNub accepts JSON bodies only: anything declared as another type is 415, before it is parsed.
  checkBody: (request) => {
    const type = request.headers.get('content-type') ?? '';
    return /^application\/json\s*(;|$)/i.test(type)
      ? null
      : {
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
          message: 'The request body must be JSON (Content-Type: application/json).',
        };
  },
  errorResponse,
  routes,
};
