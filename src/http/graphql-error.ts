import { GraphQLError } from 'graphql';
import type { AppError, ErrorCode } from '../errors.ts';

/** HTTP status of a refusal that happens before execution (the response carries no data). */
const requestLevelStatus: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
};

/** An expected failure as GraphQL reports it: its code (and extras) in `extensions`. */
export function toGraphQLError(error: AppError, requestLevel = false): GraphQLError {
  const status = requestLevel ? requestLevelStatus[error.code] : undefined;
  const headers = error.code === 'RATE_LIMITED' ? { 'Retry-After': String(error.extra.retryAfterSeconds) } : undefined;
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      ...error.extra,
      ...(status || headers ? { http: { ...(status ? { status } : {}), ...(headers ? { headers } : {}) } } : {}),
    },
  });
}
