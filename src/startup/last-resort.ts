/**
 * The server's last resort: an error nobody handled (an 'error' event without a listener, a rejected promise
 * nobody awaited) is a bug. It is logged as one clear line with its stack and the process exits 1, so a supervisor
 * restarts it and the log says why. Database faults never come here: they are answered SERVICE_UNAVAILABLE where
 * they happen (db/errors.ts, db/adapters.ts).
 */
export function exitOnUnhandledErrors(): void {
  const fatal = (kind: string) => (error: unknown) => {
    // Written even when logs are silenced: this is the only trace of why the process ended.
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${new Date().toISOString()} attrql: ${kind}; exiting: ${detail}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));
}
