// The attrql process: applies pending migrations, then serves GraphQL over HTTP.
import { createServer as createHttpServer } from 'node:http';
import { syncRateLimits } from './auth/rate-limit.ts';
import { database, dbConfig } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { log } from './log.ts';
import { yoga } from './server.ts';

const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? '127.0.0.1';

log('starting', { provider: dbConfig.provider });
const applied = await migrate(dbConfig, { log: (line) => log(line) });
if (applied.length === 0) log('database schema is up to date');

const server = createHttpServer(yoga);
server.listen(port, host, () => {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  log(`serving GraphQL on http://${shown}:${port}/graphql`, { health: `http://${shown}:${port}/health` });
});

// Stop taking requests, let those under way finish (5 s at most), then close the database connections.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`received ${signal}, shutting down`);
    server.close(() => {
      // Hand this instance's rate-limit counts to the others before the connections go.
      void syncRateLimits()
        .then(() => database.close())
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
