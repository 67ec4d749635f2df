// The benchmark's floor: node:http + the raw driver, doing what attrql does for each scenario on attrql's own
// tables, without GraphQL or an ORM. DATABASE_URL and PORT as for attrql; POST JSON to the routes in handlers.ts.
import { createServer, type Server } from 'node:http';
import { databaseConfig, sqlitePath } from '../../src/db/config.ts';
import { routes } from './handlers.ts';
import { postgresStore } from './postgres.ts';
import { sqliteStore } from './sqlite.ts';
import { BaselineError, type Store } from './store.ts';

const maxBodyBytes = 1_048_576;

export function openStore(databaseUrl: string): Store {
  const config = databaseConfig(databaseUrl);
  return config.provider === 'postgresql' ? postgresStore(config.url) : sqliteStore(sqlitePath(config));
}

export function baselineServer(store: Store): Server {
  return createServer((req, res) => {
    const send = (status: number, payload: unknown) => {
      const body = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const fault = (error: unknown) => {
      if (error instanceof BaselineError) {
        send(error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
      } else {
        process.stderr.write(`baseline: ${error instanceof Error ? error.stack : String(error)}\n`);
        send(500, { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      }
    };
    if (req.method === 'GET' && req.url === '/health') return send(200, { status: 'ok' });
    const handler = req.method === 'POST' ? routes[req.url ?? ''] : undefined;
    if (!handler) return send(404, { errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBodyBytes)
        return send(413, { errors: [{ message: 'Too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { errors: [{ message: 'Malformed JSON.', extensions: { code: 'BAD_REQUEST' } }] });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return send(400, { errors: [{ message: 'Expected an object.', extensions: { code: 'BAD_REQUEST' } }] });
      }
      handler(store, { headers: req.headers, body: body as Record<string, unknown> }).then(
        (data) => send(200, { data }),
        fault,
      );
    });
  });
}

// Run as a process: `node --import tsx bench/baseline/server.ts` with DATABASE_URL and PORT.
if (import.meta.url === `file://${process.argv[1]}`) {
  const store = openStore(process.env.DATABASE_URL ?? '');
  const server = baselineServer(store);
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? '127.0.0.1');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      server.close();
      server.closeIdleConnections();
      void store.close().finally(() => process.exit(0));
    });
  }
}
