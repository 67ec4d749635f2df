import { type DocumentNode, type ExecutionArgs, getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { authenticateCredential, bearerCredential, checkOrgHeader } from '../auth/authenticate.ts';
import { consumeRateLimit } from '../auth/rate-limit.ts';
import type { Context } from '../context.ts';
import { AppError } from '../errors.ts';
import { toGraphQLError } from './graphql-error.ts';

/** True when every root field of the operation is __schema, __type or __typename. */
export function isIntrospectionOnly(document: DocumentNode, operationName?: string | null): boolean {
  const operation = getOperationAST(document, operationName);
  return (
    operation != null &&
    operation.operation === 'query' &&
    operation.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && selection.name.value.startsWith('__'),
    )
  );
}

/** The rate-limit window that introspection without a (valid) credential counts against, shared by all such callers. */
export const anonymousIntrospection = 'introspection without a credential';

/**
 * Introspection while GraphiQL is on needs no credential (so the GraphiQL page can load the schema; its placeholder
 * header is no credential either), but it counts toward the rate limit like any operation: against the caller's
 * credential when it is a valid one, else against one window shared by every anonymous introspection.
 */
async function countIntrospection(headers: Headers): Promise<void> {
  let credential = anonymousIntrospection;
  let orgId: string | null = null;
  try {
    ({ credential, orgId } = await authenticateCredential(bearerCredential(headers)));
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'UNAUTHENTICATED')) throw error;
  }
  consumeRateLimit(credential, orgId);
}

/**
 * Before any resolver runs: resolves the credential to a principal (401 when missing or bad), checks the
 * X-Org-Id header and counts the operation against the rate limit (429). Introspection needs no credential
 * while GraphiQL is on (countIntrospection).
 */
export function authPlugin(options: { openIntrospection: boolean }): Plugin<Context> {
  /** Throws the AppError of a refusal. */
  const authenticate = async (args: ExecutionArgs) => {
    const ctx = args.contextValue as Context;
    if (options.openIntrospection && isIntrospectionOnly(args.document, args.operationName)) {
      return countIntrospection(ctx.request.headers);
    }
    const principal = await authenticateCredential(bearerCredential(ctx.request.headers));
    checkOrgHeader(ctx.request.headers, principal);
    consumeRateLimit(principal.credential, principal.orgId);
    ctx.principal = principal;
  };
  return {
    onExecute: async ({ args }) => {
      try {
        await authenticate(args);
      } catch (error) {
        if (error instanceof AppError) throw toGraphQLError(error, true);
        throw error;
      }
    },
    // Subscriptions do not pass onExecute: they are authenticated (and counted) once, when they start. A refusal is
    // the subscription's only result (SSE: HTTP 200, one `next` {errors}, then `complete`; WebSocket: `next` then
    // `complete`), not an HTTP 401/429: graphql-sse's client takes any non-2xx for a network failure and retries
    // without ever showing the error, and an error thrown here would close a WebSocket (4500) with all its operations.
    onSubscribe: async ({ args, setResultAndStopExecution }) => {
      try {
        await authenticate(args);
      } catch (error) {
        if (error instanceof AppError) return setResultAndStopExecution({ errors: [toGraphQLError(error)] });
        throw error;
      }
    },
  };
}
