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

/**
 * Before any resolver runs: resolves the credential to a principal (401 when missing or bad), checks the
 * X-Org-Id header and counts the operation against the rate limit (429). Introspection needs no credential
 * while GraphiQL is on, so the GraphiQL page can load the schema.
 */
export function authPlugin(options: { openIntrospection: boolean }): Plugin<Context> {
  const authenticate = async (args: ExecutionArgs) => {
    const ctx = args.contextValue as Context;
    if (options.openIntrospection && isIntrospectionOnly(args.document, args.operationName)) return;
    try {
      const principal = await authenticateCredential(bearerCredential(ctx.request.headers));
      checkOrgHeader(ctx.request.headers, principal);
      consumeRateLimit(principal.credential);
      ctx.principal = principal;
    } catch (error) {
      if (error instanceof AppError) throw toGraphQLError(error, true);
      throw error;
    }
  };
  return {
    onExecute: ({ args }) => authenticate(args),
    // Subscriptions do not pass onExecute: they are authenticated (and counted) once, when they start.
    onSubscribe: ({ args }) => authenticate(args),
  };
}
