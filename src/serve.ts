import { createServer as createHttpServer, type Server } from 'node:http';
import { flushRateLimits, rateLimitPerOrgPerMinute } from './auth/rate-limit.ts';
import { database, dbConfig, replicas } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { historyDays, pruneHistoryPeriodically } from './domain/history/retention.ts';
import { maxBucketBytes, maxBucketKeys } from './domain/persons/bucket-quota.ts';
import { drainOnSignals } from './drain.ts';
import { maxBodyBytes } from './http/body-limit.ts';
import { serveGraphQLWs } from './http/graphql-ws.ts';
import { closeEventStreams, openEventStreams } from './http/sse-event-ids.ts';
import { changeFeed } from './live/change-feed.ts';
import { openSubscriptionCount } from './live/open-subscriptions.ts';
import { log } from './log.ts';
import { stopTracing, traceRequests } from './observability/tracing.ts';
import { yoga } from './server.ts';
import { listenAddress } from './startup/listen-address.ts';
import { startWebhookDispatcher, stopWebhookDispatcher } from './webhooks/dispatcher.ts';
import { countRequests } from './webhooks/request-pressure.ts';
import { webhookRetrySchedule, webhookTimeoutMs } from './webhooks/settings.ts';

/** Applies pending migrations, then serves GraphQL over HTTP (and WebSocket, same port and path) until a stop signal. */
export async function serve(): Promise<void> {
  const { port, host } = listenAddress();
  const keepDays = historyDays(); // a bad ATTRQL_HISTORY_DAYS stops the start, not a later prune
  maxBucketKeys(); // likewise a bad ATTRQL_MAX_BUCKET_KEYS / _BYTES or rate setting, not a later request
  maxBucketBytes();
  webhookTimeoutMs(); // and the webhook settings
  webhookRetrySchedule();
  rateLimitPerOrgPerMinute(); // reads ATTRQL_RATE_LIMIT_PER_MINUTE too
  log('starting', { provider: dbConfig.provider, historyDays: keepDays === 0 ? 'forever' : keepDays });
  const applied = await migrate(dbConfig, { log: (line) => log(line) });
  if (applied.length === 0) log('database schema is up to date');
  replicas?.start(); // their health and lag, checked once a second from now on

  const server = createHttpServer(traceRequests(yoga));
  countRequests(server); // webhook delivery yields while requests queue
  await listen(server, port, host);
  // Only once listening: the WebSocket server reports the http server's errors too (a port in use is listen()'s).
  const graphqlWs = serveGraphQLWs(yoga, server, maxBodyBytes());
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  log(`serving GraphQL on http://${shown}:${port}/graphql`, {
    health: `http://${shown}:${port}/health`,
    pid: process.pid,
  });
  // Once requests are done: hand this instance's rate-limit counts to the others, then close the connections.
  const stopPruning = pruneHistoryPeriodically();
  startWebhookDispatcher();
  drainOnSignals(
    server,
    async () => {
      stopPruning();
      await stopWebhookDispatcher();
      await changeFeed.stop();
      await flushRateLimits();
      await database.close();
      await stopTracing(); // sends the spans still buffered
    },
    async () => {
      // Every subscription is told to resume elsewhere (SERVICE_UNAVAILABLE) and completes; its SSE response then
      // ends and its WebSocket sends `complete`. What has not ended after a grace period is cut.
      changeFeed.closeSubscriptions();
      await until(
        () => openSubscriptionCount() === 0 && openEventStreams() === 0 && graphqlWs.openOperations() === 0,
        streamGraceMs,
      );
      closeEventStreams();
      await graphqlWs.close(socketCloseGraceMs);
    },
  );
}

/** How long subscriptions may take to end by themselves at shutdown, then WebSockets to close (drain.ts allows 5 s). */
const streamGraceMs = 2000;
const socketCloseGraceMs = 1000;

/** Resolves once `done()` holds, or after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
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
