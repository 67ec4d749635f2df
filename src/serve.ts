import { createServer as createHttpServer, type Server } from 'node:http';
import { flushRateLimits } from './auth/rate-limit.ts';
import { database, dbConfig } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { historyDays, pruneHistoryPeriodically } from './domain/history/retention.ts';
import { drainOnSignals } from './drain.ts';
import { changeFeed } from './live/change-feed.ts';
import { log } from './log.ts';
import { yoga } from './server.ts';
import { listenAddress } from './startup/listen-address.ts';

/** Applies pending migrations, then serves GraphQL over HTTP until a stop signal. */
export async function serve(): Promise<void> {
  const { port, host } = listenAddress();
  const keepDays = historyDays(); // a bad ATTRQL_HISTORY_DAYS stops the start, not a later prune
  log('starting', { provider: dbConfig.provider, historyDays: keepDays === 0 ? 'forever' : keepDays });
  const applied = await migrate(dbConfig, { log: (line) => log(line) });
  if (applied.length === 0) log('database schema is up to date');

  const server = createHttpServer(yoga);
  await listen(server, port, host);
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  log(`serving GraphQL on http://${shown}:${port}/graphql`, {
    health: `http://${shown}:${port}/health`,
    pid: process.pid,
  });
  // Once requests are done: hand this instance's rate-limit counts to the others, then close the connections.
  const stopPruning = pruneHistoryPeriodically();
  drainOnSignals(
    server,
    async () => {
      stopPruning();
      await changeFeed.stop();
      await flushRateLimits();
      await database.close();
    },
    () => changeFeed.closeSubscriptions(),
  );
}

/** Resolves once listening; rejects with the listen error (EADDRINUSE, EACCES, …) instead of throwing it unhandled. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
