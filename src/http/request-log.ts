import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { log } from '../log.ts';

/**
 * One log line per HTTP request: method, path, GraphQL operation, status and duration, so an operator can see
 * what happened without a debugger. Failures are logged in detail where they are handled (mask-error.ts).
 */
export function requestLogPlugin(): Plugin {
  const started = new WeakMap<Request, { at: number; operation?: string }>();
  return {
    onRequest({ request }) {
      started.set(request, { at: performance.now() });
    },
    onExecute({ args }) {
      const entry = started.get((args.contextValue as { request: Request }).request);
      if (entry) entry.operation = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
    },
    onResponse({ request, response }) {
      const entry = started.get(request);
      const path = new URL(request.url).pathname;
      if (path === '/health' && response.status === 200) return; // probes would drown everything else
      log(`${request.method} ${path} ${response.status}`, {
        ...(entry?.operation ? { operation: entry.operation } : {}),
        ms: entry ? Math.round(performance.now() - entry.at) : undefined,
      });
    },
  };
}
