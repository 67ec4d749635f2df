import { getOperationAST, type OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { log } from '../log.ts';
import { observeGraphql, observeRest } from '../observability/metrics.ts';
import { operationNameLabel } from '../observability/operation-names.ts';
import { outcomeOf } from '../observability/outcome.ts';
import { requestIdOf } from '../observability/request-id.ts';
import { activeSpan, endSpan, startSpan, tracingOn, withSpan } from '../observability/tracing.ts';

/** What one HTTP request did, gathered by the hooks below for its log line, its metrics and its span. */
interface Observed {
  at: number;
  requestId: string;
  /** The GraphQL operation's name, or the REST route's operation id (e.g. "slashid.mergeBucket"). */
  operation?: string;
  /** GraphQL: query, mutation or subscription. */
  type?: OperationTypeNode;
  /** The REST route's path template (its span's http.route). */
  route?: string;
  graphql: boolean;
  rest: boolean;
  /** GraphQL: `ok` or the first error's code. */
  outcome?: string;
}

const started = new WeakMap<Request, Observed>();

/** Names what a request did in its log line: the GraphQL operation, or a REST endpoint (e.g. "slashid.mergeBucket"). */
export function nameOperation(request: Request, operation: string, route?: string): void {
  const entry = started.get(request);
  if (!entry) return;
  entry.operation = operation;
  entry.rest = route !== undefined;
  entry.route = route;
}

const silentOk = new Set(['/health', '/metrics']); // probes and scrapes would drown everything else

/**
 * One log line per HTTP request (method, path, operation, status, duration, request id; JSON with
 * ATTRQL_LOG_FORMAT=json), its `x-request-id` response header, and its metrics: the GraphQL operation's or the REST
 * route's duration histogram. With tracing, a span per GraphQL operation, under the request's (tracing.ts).
 * Failures are logged in detail where they are handled (mask-error.ts).
 */
export function requestLogPlugin(): Plugin {
  return {
    onRequest({ request }) {
      const requestId = requestIdOf(request.headers);
      started.set(request, { at: performance.now(), requestId, graphql: false, rest: false });
      if (tracingOn()) activeSpan()?.setAttribute('attrql.request_id', requestId);
    },
    onParams({ request }) {
      const entry = started.get(request);
      if (entry) entry.graphql = true;
    },
    onValidate({ params, context }) {
      // Named before validation, so an operation that fails it is measured under its own name too.
      const { request, params: sent } = context as { request?: Request; params?: { operationName?: string } };
      const entry = request && started.get(request);
      if (!entry) return;
      const operation = getOperationAST(params.documentAST, sent?.operationName);
      entry.operation = operation?.name?.value ?? 'anonymous';
      entry.type = operation?.operation;
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const request = (args.contextValue as { request: Request }).request;
      const entry = started.get(request);
      let name = entry?.operation;
      let type = entry?.type;
      if (!entry || type === undefined) {
        const operation = getOperationAST(args.document, args.operationName);
        name = operation?.name?.value ?? 'anonymous';
        type = operation?.operation;
        if (entry) {
          entry.operation = name;
          entry.type = type;
        }
      }
      const span = operationSpan(type, name as string);
      if (span) setExecuteFn((execution) => withSpan(span, () => executeFn(execution)));
      // Over HTTP, onResultProcess and onResponse measure it; over WebSocket nothing else sees the operation.
      if (!span && entry) return;
      const at = performance.now();
      return {
        onExecuteDone({ result }) {
          const outcome = outcomeOf(result);
          endSpan(span, outcome === 'ok' ? undefined : { extensions: { code: outcome } });
          if (!entry) {
            observeGraphql(type ?? 'unknown', operationNameLabel(name as string), outcome, seconds(at));
          }
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const request = (args.contextValue as { request: Request }).request;
      const operation = getOperationAST(args.document, args.operationName);
      const name = operation?.name?.value ?? 'anonymous';
      const entry = started.get(request);
      if (entry) {
        entry.operation = name;
        entry.type = operation?.operation;
      }
      const span = operationSpan(operation?.operation, name);
      if (span) setSubscribeFn((subscription) => withSpan(span, () => subscribeFn(subscription)));
      // Over SSE onResponse measures it (until its stream starts); over WebSocket nothing else sees the operation.
      if (!span && entry) return;
      const at = performance.now();
      return {
        onSubscribeResult({ result }) {
          endSpan(span);
          if (!entry) {
            const type = operation?.operation ?? 'unknown';
            observeGraphql(type, operationNameLabel(name), outcomeOf(result), seconds(at));
          }
        },
      };
    },
    onResultProcess({ request, result }) {
      const entry = started.get(request);
      if (entry) entry.outcome = outcomeOf(result);
    },
    onResponse({ request, response }) {
      const entry = started.get(request);
      if (!entry) return;
      response.headers.set('x-request-id', entry.requestId);
      const ms = performance.now() - entry.at;
      if (entry.rest) observeRest(entry.operation as string, response.status, ms / 1000);
      else if (entry.graphql) {
        const outcome = entry.outcome ?? (response.status < 400 ? 'ok' : `HTTP_${response.status}`);
        observeGraphql(entry.type ?? 'unknown', operationNameLabel(entry.operation ?? 'unknown'), outcome, ms / 1000);
      }
      const path = new URL(request.url).pathname;
      const traceId = tracingOn() ? nameRequestSpan(request.method, entry, path) : undefined;
      if (response.status === 200 && silentOk.has(path)) return;
      log(`${request.method} ${path} ${response.status}`, {
        ...(entry.operation ? { operation: entry.operation } : {}),
        ms: Math.round(ms),
        requestId: entry.requestId,
        ...(traceId ? { traceId } : {}),
        ...(jsonFields ? { method: request.method, path, status: response.status } : {}),
      });
    },
  };
}

/** JSON lines carry method, path and status as fields too (the text line has them in its message). */
const jsonFields = process.env.ATTRQL_LOG_FORMAT === 'json';

const seconds = (since: number) => (performance.now() - since) / 1000;

/** The GraphQL operation's span, named `query PersonById` (undefined while tracing is off). */
function operationSpan(type: OperationTypeNode | undefined, name: string) {
  if (!tracingOn()) return undefined;
  return startSpan(`${type ?? 'operation'} ${name}`, {
    'graphql.operation.name': name,
    'graphql.operation.type': type ?? 'unknown',
  });
}

/** Names the request's span after its route (`POST /graphql`, `PUT /persons/{personId}/attributes/{bucket}`). */
function nameRequestSpan(method: string, entry: Observed, path: string): string | undefined {
  const span = activeSpan();
  if (!span) return undefined;
  const route = entry.route ?? (entry.graphql || knownRoutes.has(path) ? path : undefined);
  if (route) {
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
  }
  return span.spanContext().traceId;
}

const knownRoutes = new Set(['/graphql', '/health', '/metrics', '/openapi.json']);
