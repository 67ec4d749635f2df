import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Span } from '@opentelemetry/api';

/**
 * OpenTelemetry tracing (CONTRACT §11), off unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
 * is set. Then the Node SDK is imported (never otherwise: tracing off costs neither memory nor time) and configured
 * by the standard OTEL_* variables: exporter protocol, sampler, batch processor. Spans are made here by hand, for
 * what attrql does (request, operation, route, statement, delivery): no auto-instrumentation patches a module.
 * Every helper does nothing while tracing is off.
 */

type Api = typeof import('@opentelemetry/api');

let api: Api | null = null;
let tracer: ReturnType<Api['trace']['getTracer']> | null = null;
let sdk: { shutdown(): Promise<void> } | null = null;

export function tracingConfigured(): boolean {
  return Boolean(process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export function tracingOn(): boolean {
  return tracer !== null;
}

/** Starts the SDK when the environment asks for traces (before the server is made, so it is traced from the start). */
export async function startTracing(): Promise<void> {
  if (!tracingConfigured() || tracer) return;
  const [{ NodeSDK }, otel] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/api')]);
  const started = new NodeSDK({
    // OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) wins over this default.
    serviceName: process.env.OTEL_SERVICE_NAME ? undefined : 'attrql',
    // Traces only: /metrics serves the metrics, stderr the logs.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  started.start();
  sdk = started;
  api = otel;
  tracer = otel.trace.getTracer('attrql');
}

/** Sends the spans still buffered (at shutdown). */
export async function stopTracing(): Promise<void> {
  const stopping = sdk;
  sdk = null;
  tracer = null;
  await stopping?.shutdown();
}

/** A span under the active one (or the given parent), or undefined when tracing is off. */
export function startSpan(name: string, attributes: Attributes, client = false): Span | undefined {
  if (!tracer || !api) return undefined;
  return tracer.startSpan(name, { attributes, kind: client ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL });
}

/** Runs `fn` with `span` as the active span, so what it starts (statements) becomes its children. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  if (!span || !api) return fn();
  return api.context.with(api.trace.setSpan(api.context.active(), span), fn);
}

/** Ends a span, marked failed when `failed` (its type only: a message may quote what the caller sent). */
export function endSpan(span: Span | undefined, failed?: unknown): void {
  if (!span || !api) return;
  if (failed !== undefined) {
    span.setStatus({ code: api.SpanStatusCode.ERROR });
    span.setAttribute('error.type', errorType(failed));
  }
  span.end();
}

function errorType(error: unknown): string {
  const code = (error as { extensions?: { code?: unknown }; code?: unknown } | null)?.extensions?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.constructor.name : 'Error';
}

/** The active span (the request's, inside a traced request). */
export function activeSpan(): Span | undefined {
  return api?.trace.getActiveSpan();
}

/** The trace id of the active span, for the request's log line. */
export function activeTraceId(): string | undefined {
  return api?.trace.getActiveSpan()?.spanContext().traceId;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The HTTP server's handler with a span around each request: it continues the caller's trace (W3C traceparent and
 * tracestate), and everything the request does runs inside it. Without tracing: the handler itself.
 */
export function traceRequests(handler: Handler): Handler {
  const otel = api;
  const spans = tracer;
  if (!otel || !spans) return handler;
  return (request, response) => {
    const parent = otel.propagation.extract(otel.ROOT_CONTEXT, request.headers);
    const span = spans.startSpan(
      request.method ?? 'HTTP',
      { kind: otel.SpanKind.SERVER, attributes: { 'http.request.method': request.method ?? '' } },
      parent,
    );
    response.once('close', () => {
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: otel.SpanStatusCode.ERROR });
      span.end();
    });
    otel.context.with(otel.trace.setSpan(parent, span), () => handler(request, response));
  };
}
