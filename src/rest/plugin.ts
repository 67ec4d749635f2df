import type { Plugin } from 'graphql-yoga';
import { authenticateCredential, checkOrgHeader } from '../auth/authenticate.ts';
import { consumeRateLimit } from '../auth/rate-limit.ts';
import { forbidden } from '../errors.ts';
import { readBodyWithin } from '../http/body-limit.ts';
import { restReadAfter } from '../http/read-after.ts';
import { nameOperation } from '../http/request-log.ts';
import { requestReader } from '../loaders/reader.ts';
import { endSpan, startSpan, withSpan } from '../observability/tracing.ts';
import { json, type RestFailure, type RestRoute, type Vendor } from './endpoint.ts';
import { failureOf, failureResponse, httpFailure } from './failures.ts';
import { openApiDocument } from './openapi.ts';
import { templatePattern } from './path-template.ts';
import { checkRestStrings } from './string-bounds.ts';

const patterns = new WeakMap<RestRoute, RegExp>();

/** The route's path template as a RegExp, compiled once. */
function patternOf(route: RestRoute): RegExp {
  let pattern = patterns.get(route);
  if (!pattern) {
    pattern = templatePattern(route.path);
    patterns.set(route, pattern);
  }
  return pattern;
}

/** The route of `vendor` for this method and path, or the failure to answer (unknown path 404, other method 405). */
function match(vendor: Vendor, method: string, path: string) {
  let pathKnown = false;
  for (const route of vendor.routes) {
    const found = patternOf(route).exec(path);
    if (!found) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    try {
      const params = Object.fromEntries(
        Object.entries(found.groups ?? {}).map(([name, value]) => [name, decodeURIComponent(value)]),
      );
      return { route, params };
    } catch {
      return httpFailure(vendor, 'BAD_USER_INPUT', 400, 'The path is not valid percent-encoded UTF-8.');
    }
  }
  return pathKnown
    ? httpFailure(vendor, 'METHOD_NOT_ALLOWED', 405, `${method} is not allowed on ${path}.`)
    : httpFailure(vendor, 'ROUTE_NOT_FOUND', 404, `${method} ${path} is not part of this API.`);
}

/** The body as JSON (or form fields), or the vendor's refusal: a malformed body never reaches a handler. */
function parseBody(vendor: Vendor, route: RestRoute, request: Request, bytes: Uint8Array): unknown {
  const refused = vendor.checkBody?.(request);
  if (refused) throw refused;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw httpFailure(vendor, 'MALFORMED_BODY', 400, 'The request body is not valid UTF-8.');
  }
  if (route.body === 'form' && /^application\/x-www-form-urlencoded/i.test(request.headers.get('content-type') ?? '')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text);
  } catch {
    throw httpFailure(vendor, 'MALFORMED_BODY', 400, 'The request body is not valid JSON.');
  }
}

/**
 * One request to a vendor route, with the guards GraphQL applies, in the same order: the body limit (413), the
 * credential (401) and org header (403), the rate limit (429, one count shared with GraphQL operations), then
 * the body's JSON (400/415) and string lengths (400); then the handler, which translates to one domain call and back.
 */
async function serve(
  vendor: Vendor,
  route: RestRoute,
  params: Record<string, string>,
  request: Request,
  url: URL,
  limit: number,
) {
  try {
    const bytes = route.body === 'none' ? null : await readBodyWithin(request, limit);
    if (route.caller === 'none') {
      const body = bytes ? parseBody(vendor, route, request, bytes) : undefined;
      checkRestStrings(route, params, url, body);
      return await route.handle({ request, url, params, body });
    }
    const principal = await authenticateCredential(vendor.credential(request, url));
    checkOrgHeader(request.headers, principal);
    consumeRateLimit(principal.credential, principal.orgId);
    if (route.caller === 'org' && principal.kind !== 'org') throw forbidden('This endpoint needs an org API key.');
    const body = bytes ? parseBody(vendor, route, request, bytes) : undefined;
    checkRestStrings(route, params, url, body);
    const reader = requestReader(principal);
    return await restReadAfter(request, principal.credential, () =>
      route.handle({ request, url, principal, reader, params, body }),
    );
  } catch (error) {
    return failureResponse(vendor, isFailure(error) ? error : failureOf(vendor, error));
  }
}

const isFailure = (value: unknown): value is RestFailure =>
  typeof value === 'object' && value !== null && 'status' in value && 'code' in value && !(value instanceof Error);

/**
 * Serves the vendors' drop-in REST endpoints on the GraphQL server's own port. It runs as a Yoga plugin, after
 * the request log's hook (so REST calls are logged like GraphQL ones), and ends the response itself: paths a
 * vendor owns never reach GraphQL; every other path is left to Yoga. GET /openapi.json describes them all.
 */
export function restPlugin(vendors: readonly Vendor[], limit: number): Plugin {
  const document = openApiDocument(vendors);
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === '/openapi.json' && request.method === 'GET') return endResponse(json(200, document));
      const vendor = vendors.find((candidate) => candidate.owns(url.pathname));
      if (!vendor) return;
      const matched = match(vendor, request.method, url.pathname);
      if (!('route' in matched)) return endResponse(failureResponse(vendor, matched));
      const { route, params } = matched;
      nameOperation(request, route.operation, route.path);
      // With tracing, a span for the route (its operation id and path template; never the path's ids).
      const span = startSpan(route.operation, { 'attrql.rest.operation': route.operation, 'http.route': route.path });
      const response = await withSpan(span, () => serve(vendor, route, params, request, url, limit));
      endSpan(span, response.status >= 500 ? { extensions: { code: `HTTP_${response.status}` } } : undefined);
      endResponse(response);
    },
  };
}
