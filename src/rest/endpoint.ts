import type { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { Reader } from '../loaders/reader.ts';

/** A failure as a vendor reports it: HTTP status, a short machine code and a message for humans. */
export interface RestFailure {
  status: number;
  /** attrql's error code (CONTRACT §3) or an HTTP-level one (ROUTE_NOT_FOUND, METHOD_NOT_ALLOWED, …). */
  code: string;
  message: string;
  /** For BAD_USER_INPUT: each offending input path (rooted at the request body or query) and why. */
  issues?: { path: string[]; message: string }[];
  retryAfterSeconds?: number;
}

/** What a public route's handler gets: the request, its path parameters and its parsed body. */
export interface PublicCall {
  request: Request;
  url: URL;
  params: Record<string, string>;
  /** The parsed body (routes with `body: 'json'` or `'form'`), never malformed. */
  body: unknown;
}

/** What a route's handler gets besides: the authenticated caller and a reader for batched domain reads. */
export interface RestCall extends PublicCall {
  principal: Principal;
  reader: Reader;
}

interface RouteBase {
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE' | 'POST';
  /** The path as OpenAPI writes it, e.g. "/persons/{personId}": each {name} matches one segment into `params`. */
  path: string;
  /** Named in the request log and the OpenAPI document (operationId), e.g. "slashid.mergeBucket". */
  operation: string;
  /** One line for the OpenAPI document. */
  summary: string;
  /** The status of a success (200 with a body, or 204). */
  success: 200 | 204;
  /** Query parameters the route reads, with what each means (OpenAPI document). */
  query?: Record<string, string>;
  /**
   * 'json': the body must be JSON; 'form': URL-encoded form fields (or JSON); a malformed body is refused before
   * the handler runs. 'none': it is not read.
   */
  body: 'json' | 'form' | 'none';
}

/** A route for a credential: 'org' needs an org API key (admin of its organization, 403 otherwise); 'any' lets
 * the domain decide (e.g. PACE needs a person token). */
export interface CallerRoute extends RouteBase {
  caller: 'org' | 'any';
  handle: (call: RestCall) => Promise<Response>;
}

/** A route without a credential (Looker's login, which takes one in its body). */
export interface PublicRoute extends RouteBase {
  caller: 'none';
  handle: (call: PublicCall) => Promise<Response>;
}

export type RestRoute = CallerRoute | PublicRoute;

/** One vendor's drop-in API: which paths are its own, its routes, how it sends credentials and shapes errors. */
export interface Vendor {
  name: string;
  /** True for every path under this vendor's prefix; those answer in its error shape even when no route matches. */
  owns: (path: string) => boolean;
  routes: RestRoute[];
  credential: (request: Request, url: URL) => string | null;
  /** Extra checks on a JSON body before it is parsed (e.g. PubNub's 415 for another content type). */
  checkBody?: (request: Request) => RestFailure | null;
  /** The vendor's HTTP status for an attrql error code, where it differs from the usual one. */
  statusFor?: (code: string) => number | undefined;
  errorResponse: (failure: RestFailure) => Response;
  /** What the OpenAPI document says of its errors: the statuses its routes may answer, and the body's schema. */
  errors: { statuses: readonly number[]; contentType: string; schema: z.ZodType };
  /** The OpenAPI security schemes (see openapi.ts) its credentialed routes accept. */
  security: readonly string[];
}

/** A JSON response with the given status. */
export function json(status: number, body: unknown, contentType = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
}

export const noContent = (): Response => new Response(null, { status: 204 });
