import { createGraphQLError } from '@graphql-tools/utils';
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { AppError, serviceUnavailable } from '../errors.ts';
import { log } from '../log.ts';
import { toGraphQLError } from './graphql-error.ts';

/** The original error behind GraphQL's wrappers. */
function originalOf(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/** Prisma puts the calling code before the driver's message: the last line is the cause, on one log line. */
function causeLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .pop() ?? message
  );
}

/** Keeps the location and path of the field that failed. */
function atSameField(error: unknown, replacement: GraphQLError): GraphQLError {
  if (!(error instanceof GraphQLError)) return replacement;
  return createGraphQLError(replacement.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: replacement.extensions,
  });
}

/**
 * Turns every failure into the contract's error shape: expected failures (AppError) keep their code and
 * message, GraphQL's own errors stay as they are, an unreachable database is SERVICE_UNAVAILABLE, and
 * anything else is logged and answered with "Unexpected error." and no internals.
 */
export function maskError(error: unknown): Error {
  const original = originalOf(error);
  if (original instanceof AppError) return atSameField(error, toGraphQLError(original));
  if (original instanceof GraphQLError) {
    // GraphQL's own errors stay as they are, outermost message included (it names the variable or field).
    // (variable-issues.ts gives variables that do not fit their type their code and issues.)
    return error instanceof GraphQLError ? error : original;
  }
  if (isDatabaseUnavailable(original)) {
    const cause = causeLine(original);
    const hint = /readonly/i.test(cause)
      ? 'the SQLite file is read-only: make it writable, then restart attrql'
      : undefined;
    log('database unavailable', { cause, hint }, 'error');
    return atSameField(error, toGraphQLError(serviceUnavailable()));
  }
  log(
    'unexpected error',
    {
      error: original instanceof Error ? (original.stack ?? original.message) : String(original),
    },
    'error',
  );
  return atSameField(error, new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
}
