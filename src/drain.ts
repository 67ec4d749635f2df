import type { Server } from 'node:http';
import { log } from './log.ts';

/** How long requests under way may take to finish once a stop signal arrived. */
export const drainTimeoutMs = 5000;
/** How often connections that became idle during the drain (a finished event stream's, say) are closed. */
const idleSweepMs = 50;

/**
 * On SIGTERM or SIGINT: stop accepting connections, end the subscriptions, let the requests under way finish, close
 * the database, exit 0. Requests still running after drainTimeoutMs are cut off and the exit code is 1, so a
 * supervisor can tell. Later signals change nothing: with `npm start` a Ctrl-C reaches the server twice (from the
 * terminal and from npm).
 */
export function drainOnSignals(
  server: Server,
  closeDatabase: () => Promise<void>,
  /**
   * Ends what would otherwise keep connections open forever (subscriptions over SSE and WebSocket); resolves once
   * they are gone. The database stays open until then.
   */
  endStreams: () => Promise<void> = async () => {},
): void {
  let draining = false;
  const drain = (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    log(`received ${signal}: finishing requests under way, then exiting`);
    const streamsEnded = endStreams().catch((error) => {
      log('could not end the subscriptions cleanly', { error: (error as Error).message });
    });
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection is idle between requests; one whose event stream just ended becomes idle too.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
    sweep.unref();
    void Promise.all([serverClosed, streamsEnded]).then(() => {
      clearInterval(sweep);
      void closeDatabase()
        .catch(() => {})
        .finally(() => {
          log('stopped');
          process.exit(0);
        });
    });
    setTimeout(() => {
      log(`requests still under way after ${drainTimeoutMs / 1000} s; exiting without them`);
      process.exit(1);
    }, drainTimeoutMs).unref();
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
}
