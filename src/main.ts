// The attrql process (`npm start`). Everything is loaded inside runOrExit, so that even a bad DATABASE_URL,
// found while the database module loads, ends as one line on stderr and a non-zero exit instead of a stack.
import { exitOnUnhandledErrors } from './startup/last-resort.ts';
import { runOrExit } from './startup/run-or-exit.ts';

exitOnUnhandledErrors();
await runOrExit('attrql', async () => {
  // OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT set: the OpenTelemetry SDK first, so the whole server runs under it.
  const { startTracing } = await import('./observability/tracing.ts');
  await startTracing();
  const { serve } = await import('./serve.ts');
  await serve();
});
