import type { Span } from '@opentelemetry/api';
import type { Dialect } from '../db/sql/sql-client.ts';
import { observeStatement } from './metrics.ts';
import { endSpan, startSpan, tracingOn } from './tracing.ts';

/**
 * What every SQL statement reports: its duration (metrics) and, when tracing, a span with the statement's text.
 * The text is the parameterised statement (`$1`, `?`): parameter values never reach a span.
 */

/** The statement's first keyword (SELECT, INSERT, …) names its span. */
function operationOf(text: string): string {
  const match = /^\s*([A-Za-z]+)/.exec(text);
  return match ? (match[1] as string).toUpperCase() : 'SQL';
}

/** A span for one statement, or undefined when tracing is off. */
export function traceStatement(dialect: Dialect, text: string): Span | undefined {
  if (!tracingOn()) return undefined;
  const operation = operationOf(text);
  return startSpan(
    operation,
    { 'db.system.name': dialect, 'db.operation.name': operation, 'db.query.text': text },
    true,
  );
}

/** Ends what `traceStatement` and `performance.now()` began: the span, and the duration's observation. */
export function statementEnded(dialect: Dialect, startedMs: number, span: Span | undefined, failed?: unknown): void {
  observeStatement(dialect, startedMs);
  if (span) endSpan(span, failed);
}

/** Runs an asynchronous statement, measured and traced. */
export async function timedStatement<T>(dialect: Dialect, text: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const span = traceStatement(dialect, text);
  try {
    const result = await run();
    statementEnded(dialect, started, span);
    return result;
  } catch (error) {
    statementEnded(dialect, started, span, error);
    throw error;
  }
}
