import type { IncomingMessage, Server } from 'node:http';
import type {
  ExecutionArgs,
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { isAsyncIterable, mapAsyncIterator, type YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { unauthenticated } from '../errors.ts';
import { log } from '../log.ts';
import { markWebSocket } from '../observability/transport.ts';
import { maskError } from './mask-error.ts';
import { type Result, withoutInternals } from './sse-event-ids.ts';

/**
 * GraphQL over WebSocket (the graphql-ws protocol, subprotocol `graphql-transport-ws`) on the HTTP server's own
 * port and path. Every operation runs through yoga's envelop, so the same plugins apply as over HTTP: graphql-armor's
 * limits (parse/validate), authentication, the rate limit and error masking. Yoga's request-level plugins (body
 * limit, request log) do not see WebSocket messages; `maxPayload` bounds a message instead.
 */

/** connection_init payload: `{ Authorization: 'Bearer …', 'X-Org-Id'?: '…' }`, names in any case. */
type ConnectionParams = Record<string, unknown>;
/** The connectionParams that stand for request headers; anything else is ignored. */
const headerParams = new Set(['authorization', 'x-org-id', 'slashid-orgid']);

/**
 * A fetch Request standing for one operation: the upgrade request's headers, with the connectionParams above written
 * over them. The plugins and resolvers read it as `ctx.request`, exactly as over HTTP.
 */
function operationRequest(
  fetchAPI: { Request: typeof Request; Headers: typeof Headers },
  upgrade: IncomingMessage,
  params: ConnectionParams | undefined,
): Request {
  const headers = new fetchAPI.Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  for (const [name, value] of Object.entries(params ?? {})) {
    if (!headerParams.has(name.toLowerCase())) continue;
    if (typeof value !== 'string' || !/^[\t\x20-\x7e]*$/.test(value)) {
      throw unauthenticated(`connectionParams.${name} must be a string of printable ASCII characters.`);
    }
    headers.set(name, value);
  }
  const request = new fetchAPI.Request(`http://${upgrade.headers.host ?? 'localhost'}${upgrade.url ?? '/graphql'}`, {
    method: 'POST',
    headers,
  });
  markWebSocket(request.headers); // for the metrics' transport label
  return request;
}

// biome-ignore lint/suspicious/noExplicitAny: any yoga instance
type Yoga = YogaServerInstance<any, any>;
type Enveloped = ReturnType<Yoga['getEnveloped']>;
type YogaArgs = ExecutionArgs & { enveloped: Enveloped };

/** As over HTTP (yoga's handleParams): a failure is an `errors` result, never a transport error or a 4500 close. */
function asErrorResult(error: unknown): ExecutionResult {
  return { errors: [maskError(error) as GraphQLError] };
}

export interface GraphQLWsServer {
  /** Operations under way (subscriptions whose `complete` was not sent yet, queries/mutations running). */
  openOperations(): number;
  /**
   * Closes every socket (1001 Going away: graphql-ws ends their subscriptions, clients may reconnect elsewhere) and
   * stops accepting upgrades; sockets that do not finish the closing handshake within `graceMs` are cut.
   */
  close(graceMs?: number): Promise<void>;
}

export function serveGraphQLWs(yoga: Yoga, server: Server, maxPayload: number): GraphQLWsServer {
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload });
  // graphql-ws hears only the first 'error' of the server (once); a later one must not end the process.
  wsServer.on('error', (error) => log('WebSocket server error', { error: error.message }));
  const connections = new Set<{ subscriptions: Record<string, unknown> }>();
  const disposable = useServer<ConnectionParams, { socket: unknown; request: IncomingMessage }>(
    {
      onConnect: (ctx) => {
        connections.add(ctx as unknown as { subscriptions: Record<string, unknown> });
      },
      onClose: (ctx) => {
        connections.delete(ctx as unknown as { subscriptions: Record<string, unknown> });
      },
      execute: async (args) => {
        try {
          return await (args as YogaArgs).enveloped.execute(args);
        } catch (error) {
          return asErrorResult(error);
        }
      },
      subscribe: async (args) => {
        try {
          const result = await (args as YogaArgs).enveloped.subscribe(args);
          if (!isAsyncIterable(result)) return result;
          // A stream that fails ends with a `next` {errors}, then `complete`, as over SSE (yoga does this for HTTP),
          // instead of a graphql-ws `error` message (which, among others, Apollo's GraphQLWsLink mishandles on Node 20).
          return mapAsyncIterator(result, (value) => value, asErrorResult);
        } catch (error) {
          return asErrorResult(error);
        }
      },
      // The same wire format as yoga's HTTP responses: no extensions.http / extensions.unexpected.
      onNext: (_ctx, _id, _payload, _args, result) =>
        withoutInternals(result as unknown as Result) as FormattedExecutionResult,
      onError: (_ctx, _id, _payload, errors) =>
        withoutInternals({ errors }).errors as unknown as GraphQLFormattedError[],
      onSubscribe: async (ctx, _id, payload) => {
        let request: Request;
        try {
          request = operationRequest(yoga.fetchAPI, ctx.extra.request, ctx.connectionParams);
        } catch (error) {
          return [maskError(error) as GraphQLError];
        }
        const enveloped = yoga.getEnveloped({ request, params: payload });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(payload.query); // syntax errors, graphql-armor's token limit
          // graphql-armor's depth and alias limits are validation rules that throw, hence inside the try.
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors;
        } catch (error) {
          // A graphql-ws `error` message, as the protocol has it for operations that cannot run (not a 4500 close).
          return [maskError(error) as GraphQLError];
        }
        const args: YogaArgs = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: await enveloped.contextFactory(),
          enveloped,
        };
        return args;
      },
    },
    wsServer,
  );
  return {
    openOperations: () => {
      let open = 0;
      for (const connection of connections) open += Object.keys(connection.subscriptions).length;
      return open;
    },
    close: async (graceMs = 1000) => {
      const closed = disposable.dispose();
      const timer = setTimeout(() => {
        for (const socket of wsServer.clients) socket.terminate();
      }, graceMs);
      try {
        await closed;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
