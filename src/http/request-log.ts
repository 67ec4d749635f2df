import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { log } from '../log.ts';

const started = new WeakMap<Request, { at: number; operation?: string }>();

/** Names what a request did in its log line: the GraphQL operation, or a REST endpoint (e.g. "slashid.mergeBucket"). */
export function nameOperation(request: Request, operation: string): void {
  const entry = started.get(request);
  if (entry) entry.operation = operation;
}

/**
 * One log line per HTTP request: method, path, GraphQL operation, status and duration, so an operator can see
 * what happened without a debugger. Failures are logged in detail where they are handled (mask-error.ts).
 */
export function requestLogPlugin(): Plugin {
  return {
    onRequest({ request }) {
      started.set(request, { at: performance.now() });
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
      nameOperation((args.contextValue as { request: Request }).request, operation);
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
