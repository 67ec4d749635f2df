import type { ServerResponse } from 'node:http';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { encodeCursor } from '../domain/history/cursor.ts';

/**
 * GraphQL over SSE (CONTRACT §10) as yoga serves it — the graphql-sse protocol's "distinct connections mode" — plus
 * an `id: <cursor>` line on each `next` event, so that a client reconnecting with `Last-Event-ID` resumes where it
 * was (person-change-stream.ts reads that header), and headers that keep proxies from buffering the stream.
 */

export type Result = { errors?: readonly unknown[]; extensions?: Record<string, unknown> } & Record<string, unknown>;

/**
 * Request → cursor of the event being delivered. The id comes from the event itself (the change the stream
 * yielded), not from the payload, so it is there even when the selection has no `cursor`: `withEventIds` wraps
 * each Subscription field's resolver, which runs for event N right before the executor yields result N, and the
 * processor below reads the id after each result it pulls.
 */
const eventIds = new WeakMap<Request, string>();

function isChange(event: unknown): event is { position: { txid: string; id: string }; at: Date } {
  const change = event as { position?: unknown; at?: unknown } | null;
  return (
    typeof change === 'object' && change !== null && typeof change.position === 'object' && change.at instanceof Date
  );
}

/** The schema with every Subscription field recording the cursor of the change it delivers (for `id:` lines). */
export function withEventIds(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.SUBSCRIPTION_ROOT_FIELD]: (field) => {
      const resolve = field.resolve;
      if (!resolve) return field;
      return {
        ...field,
        resolve: (event, args, context, info) => {
          // Recorded only once the event resolved: the error that ends a stream is no position.
          const value = resolve(event, args, context, info);
          const request = (context as { request?: Request }).request;
          if (!request || !isChange(event)) return value;
          const record = () => eventIds.set(request, encodeCursor(event));
          if (value instanceof Promise) {
            return value.then((resolved) => {
              record();
              return resolved;
            });
          }
          record();
          return value;
        },
      };
    },
  });
}

/** What yoga's jsonStringifyResultWithoutInternals drops: extensions.http of the result, http/unexpected of errors. */
export function withoutInternals(result: Result): Result {
  if (!result.errors?.length && !result.extensions?.http) return result;
  const copy: Result = { ...result };
  if (result.errors) {
    copy.errors = result.errors.map((error) => {
      const json = error instanceof GraphQLError ? error.toJSON() : (error as Record<string, unknown>);
      const {
        http: _http,
        unexpected: _unexpected,
        ...extensions
      } = (json.extensions ?? {}) as Record<string, unknown>;
      return { ...json, extensions: Object.keys(extensions).length ? extensions : undefined };
    });
  }
  if (result.extensions) {
    const { http: _http, ...extensions } = result.extensions;
    copy.extensions = Object.keys(extensions).length ? extensions : undefined;
  }
  return copy;
}

/** The Node responses of the event streams under way: the drain waits for them, then cuts those left. */
const openStreams = new Set<ServerResponse>();

export function openEventStreams(): number {
  return openStreams.size;
}

/** Cuts every event stream still open (at shutdown, once they had their chance to end); their clients reconnect. */
export function closeEventStreams(): void {
  for (const res of openStreams) res.destroy();
  openStreams.clear();
}

const pingIntervalMs = process.env.NODE_ENV === 'test' ? 300 : 12_000; // as yoga (result-processor/sse.js)

/**
 * Replaces yoga's SSE processor for streams (a copy of graphql-yoga 5.24 result-processor/sse.js with `id:` lines and
 * proxy headers). Yoga's useResultProcessors runs before user plugins, so this sees its choice and overrides it.
 */
export function sseEventIdsPlugin(): Plugin {
  const subscriptions = new WeakSet<Request>();
  return {
    onSubscribe({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (request) subscriptions.add(request);
    },
    // For a subscription's stream the only processor yoga can have picked is its SSE one (Accept:
    // text/event-stream, text/*, */*). Single results (refusals before a stream starts) keep yoga's processor:
    // they need no id, and keep their HTTP status.
    onResultProcess({ request, result, resultProcessor, setResultProcessor, serverContext }) {
      if (!resultProcessor || !isAsyncIterable(result) || !subscriptions.has(request)) return;
      const res = (serverContext as { res?: ServerResponse }).res;
      if (res) {
        openStreams.add(res);
        res.once('close', () => openStreams.delete(res));
      }
      setResultProcessor((result, fetchAPI) => {
        const encoder = new fetchAPI.TextEncoder();
        let iterator: AsyncIterator<Result>;
        let ping: ReturnType<typeof setInterval> | undefined;
        let lastSentId: string | undefined;
        const body = new fetchAPI.ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode(':\n\n')); // flushes the headers at once, as yoga does
            ping = setInterval(() => {
              if (controller.desiredSize === null) return clearInterval(ping);
              if (controller.desiredSize > 0) controller.enqueue(encoder.encode(':\n\n'));
            }, pingIntervalMs);
            iterator = (result as AsyncIterable<Result>)[Symbol.asyncIterator]();
          },
          async pull(controller) {
            try {
              const step = await iterator.next();
              if (step.value != null) {
                const id = eventIds.get(request);
                let frame = 'event: next\n';
                // An event whose resolver failed (the error that ends the stream) gets no id: it is no position.
                if (id !== undefined && id !== lastSentId) {
                  frame += `id: ${id}\n`;
                  lastSentId = id;
                }
                frame += `data: ${JSON.stringify(withoutInternals(step.value))}\n\n`;
                controller.enqueue(encoder.encode(frame));
              }
              if (step.done) {
                controller.enqueue(encoder.encode('event: complete\ndata:\n\n'));
                clearInterval(ping);
                controller.close();
              }
            } catch (error) {
              clearInterval(ping);
              controller.error(error);
            }
          },
          async cancel(reason) {
            // The client went away: whatwg-node destroys the body when the response closes.
            clearInterval(ping);
            await iterator.return?.(reason);
          },
        });
        return new fetchAPI.Response(body, {
          status: 200,
          headers: {
            'Content-Type': 'text/event-stream; charset=utf-8',
            'Cache-Control': 'no-cache, no-transform',
            Connection: 'keep-alive',
            'Content-Encoding': 'none',
            'X-Accel-Buffering': 'no', // nginx: pass each event on at once
          },
        });
      }, 'text/event-stream');
    },
  };
}
