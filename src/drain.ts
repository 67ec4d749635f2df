import type { Server } from 'node:http';
import { log } from './log.ts';

/** How long requests under way may take to finish once a stop signal arrived. */
export const drainTimeoutMs = 5000;

/**
 * On SIGTERM or SIGINT: stop accepting connections, let the requests under way finish, close the database, exit 0.
 * Requests still running after drainTimeoutMs are cut off and the exit code is 1, so a supervisor can tell.
 * Later signals change nothing: with `npm start` a Ctrl-C reaches the server twice (from the terminal and from npm).
 */
export function drainOnSignals(
  server: Server,
  closeDatabase: () => Promise<void>,
  /** Ends what would otherwise keep connections open forever (subscriptions). */
  endStreams: () => void = () => {},
): void {
  let draining = false;
  const drain = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    log(`received ${signal}: finishing requests under way, then exiting`);
    endStreams();
    server.close(() => {
      void closeDatabase()
        .catch(() => {})
        .finally(() => {
          log('stopped');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
    setTimeout(() => {
      log(`requests still under way after ${drainTimeoutMs / 1000} s; exiting without them`);
      process.exit(1);
    }, drainTimeoutMs).unref();
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
}
