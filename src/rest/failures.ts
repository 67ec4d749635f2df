import { isDatabaseUnavailable } from '../db/errors.ts';
import { AppError, serviceUnavailable } from '../errors.ts';
import { log } from '../log.ts';
import type { RestFailure, Vendor } from './endpoint.ts';

/** The usual HTTP status of each attrql error code; a vendor may answer another (`Vendor.statusFor`). */
const statusOfCode: Record<string, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/** A failure of the REST layer itself (no route, wrong method, bad JSON, …). */
export function httpFailure(vendor: Vendor, code: string, status: number, message: string): RestFailure {
  return { status: vendor.statusFor?.(code) ?? status, code, message };
}

/**
 * Any thrown value as the failure the vendor answers: expected failures (AppError) keep their message; an
 * unreachable database is 503; anything else is logged here and answered with "Unexpected error." and no
 * internals, as GraphQL's maskError does.
 */
export function failureOf(vendor: Vendor, error: unknown): RestFailure {
  const code =
    error instanceof AppError
      ? error.code
      : isDatabaseUnavailable(error)
        ? 'SERVICE_UNAVAILABLE'
        : 'INTERNAL_SERVER_ERROR';
  const status = vendor.statusFor?.(code) ?? statusOfCode[code] ?? 500;
  if (error instanceof AppError) {
    const issues = error.extra.issues as RestFailure['issues'];
    const retryAfterSeconds = error.extra.retryAfterSeconds as number | undefined;
    return {
      status,
      code,
      message: error.message,
      ...(issues ? { issues } : {}),
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    };
  }
  if (code === 'SERVICE_UNAVAILABLE') {
    log('database unavailable', { error: error instanceof Error ? error.message : String(error) });
    return { status, code, message: serviceUnavailable().message };
  }
  log('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return { status, code, message: 'Unexpected error.' };
}

/** The vendor's error response, with Retry-After on a rate-limit refusal. */
export function failureResponse(vendor: Vendor, failure: RestFailure): Response {
  const response = vendor.errorResponse(failure);
  if (failure.retryAfterSeconds !== undefined) response.headers.set('retry-after', String(failure.retryAfterSeconds));
  return response;
}
