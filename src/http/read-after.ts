import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.ts';
import { readRouter } from '../db/client.ts';
import { readAfterHeader } from '../db/read-routing.ts';
import { log } from '../log.ts';

/** The token of a write, or none when the primary could not be asked (the write itself is answered as it went). */
async function tokenAfterWrite(credential: string | null): Promise<string | null> {
  if (!readRouter) return null;
  try {
    return await readRouter.wrote(credential);
  } catch (error) {
    log('no read-after token for this write', { error: (error as Error).message });
    return null;
  }
}

/**
 * CONTRACT §12 for GraphQL: a query's reads may be served by a replica that has what its credential wrote through
 * this instance and what its `attrql-read-after` names; every mutation response carries the token of its writes.
 * Subscriptions are not touched (they read the primary). PostgreSQL only; on SQLite nothing changes.
 */
export function readAfterPlugin(): Plugin<Context> {
  const tokens = new WeakMap<Request, string>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const router = readRouter;
      if (!router) return;
      const ctx = args.contextValue as Context;
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      if (operation === 'query') {
        const token = ctx.request.headers.get(readAfterHeader);
        setExecuteFn((execArgs) =>
          router.readOnly(ctx.principal?.credential ?? null, token, async () => executeFn(execArgs)),
        );
      } else if (operation === 'mutation') {
        setExecuteFn(async (execArgs) => {
          try {
            return await executeFn(execArgs);
          } finally {
            const token = await tokenAfterWrite(ctx.principal?.credential ?? null);
            if (token) tokens.set(ctx.request, token);
          }
        });
      }
    },
    onResponse({ request, response }) {
      const token = tokens.get(request);
      if (token) response.headers.set(readAfterHeader, token);
    },
  };
}

/** CONTRACT §12 for the vendors' REST routes: GETs read like queries, anything else is a write with a token. */
export async function restReadAfter(
  request: Request,
  credential: string,
  handle: () => Promise<Response>,
): Promise<Response> {
  const router = readRouter;
  if (!router) return handle();
  if (request.method === 'GET' || request.method === 'HEAD') {
    return router.readOnly(credential, request.headers.get(readAfterHeader), handle);
  }
  const response = await handle();
  const token = await tokenAfterWrite(credential);
  if (token) response.headers.set(readAfterHeader, token);
  return response;
}
