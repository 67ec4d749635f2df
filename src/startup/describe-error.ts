import { redacted } from '../db/config.ts';
import { StartupError } from './startup-error.ts';

/** What an error says about itself, at any depth of its `cause` chain (drivers and Prisma wrap each other). */
interface ErrorFacts {
  code?: string;
  message: string;
  syscall?: string;
  port?: number;
  address?: string;
}

function* chain(error: unknown): Generator<ErrorFacts> {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth += 1) {
    const record = current as Record<string, unknown>;
    yield {
      code: typeof record.code === 'string' ? record.code : undefined,
      message: typeof record.message === 'string' ? record.message : String(current),
      syscall: typeof record.syscall === 'string' ? record.syscall : undefined,
      port: typeof record.port === 'number' ? record.port : undefined,
      address: typeof record.address === 'string' ? record.address : undefined,
    };
    current = record.cause;
  }
}

/** Where DATABASE_URL points, as a person would type it into psql or createdb. */
function postgresTarget(databaseUrl: string) {
  const url = new URL(databaseUrl);
  const user = decodeURIComponent(url.username) || 'postgres';
  return {
    host: url.hostname || 'localhost',
    port: url.port || '5432',
    user,
    database: decodeURIComponent(url.pathname.slice(1)) || user,
  };
}

/** The one line that tells a person what a PostgreSQL connection failure means and what to do. */
function describePostgres(facts: ErrorFacts, databaseUrl: string): string | undefined {
  const { host, port, user, database } = postgresTarget(databaseUrl);
  const at = `${host}:${port}`;
  switch (facts.code) {
    case '3D000':
      return (
        `PostgreSQL database "${database}" does not exist on ${at}; create it with ` +
        `"createdb -h ${host} -p ${port} -U ${user} ${database}" or "npm run db:migrate" (which creates it), then start again`
      );
    case 'ECONNREFUSED':
      return `nothing is listening for PostgreSQL on ${at} (connection refused); start PostgreSQL or fix the host and port in DATABASE_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the PostgreSQL host "${host}" in DATABASE_URL is unknown (DNS lookup failed); fix the host in DATABASE_URL`;
    case 'ECONNRESET':
      return unreachable(at, 'connection closed before PostgreSQL answered');
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return unreachable(at, facts.code);
    case '28P01':
    case '28000':
      return `PostgreSQL on ${at} refused user "${user}" (${facts.message}); fix the user or password in DATABASE_URL`;
    case '42501':
      return `PostgreSQL user "${user}" may not create attrql's tables in database "${database}" (${facts.message}); grant it CREATE or use the database owner`;
  }
  if (/Connection terminated unexpectedly/i.test(facts.message))
    return unreachable(at, 'connection closed before PostgreSQL answered');
  if (/timeout expired|connection timeout/i.test(facts.message)) return unreachable(at, 'no answer within 5 s');
  return undefined;
}

function unreachable(at: string, why: string): string {
  return `cannot reach PostgreSQL on ${at} (${why}); check the host and port in DATABASE_URL and that PostgreSQL runs there and lets this machine in`;
}

/** Failures of listening on HOST:PORT. */
function describeListen(facts: ErrorFacts): string | undefined {
  const port = facts.port ?? Number(process.env.PORT ?? 4000);
  const at = `${facts.address ?? process.env.HOST ?? '127.0.0.1'}:${port}`;
  switch (facts.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${facts.address ?? process.env.HOST ?? '127.0.0.1'} is already in use; stop the process that holds it or choose another port, e.g. PORT=${port + 1} npm start`;
    case 'EACCES':
      return `not allowed to listen on ${at} (ports below 1024 need privileges); choose another port, e.g. PORT=4000 npm start`;
    case 'EADDRNOTAVAIL':
      return `HOST=${facts.address ?? process.env.HOST} is not an address of this machine; use 127.0.0.1, 0.0.0.0 (every interface) or one of its addresses`;
  }
  return undefined;
}

/**
 * One line for a person: what failed and what to do. Unknown failures keep their message; `known` tells the
 * caller whether the stack could help (it cannot for the failures named here).
 */
export function describeStartupError(
  error: unknown,
  databaseUrl: string | undefined,
): { line: string; known: boolean } {
  if (error instanceof StartupError) return { line: error.message, known: true };
  for (const facts of chain(error)) {
    // The SQLite driver's addon does not load here (packages/better-sqlite3-by-node): its message says what to do.
    if (facts.code === 'ERR_SQLITE_DRIVER_LOAD') return { line: facts.message, known: true };
    const listen = facts.syscall === 'listen' ? describeListen(facts) : undefined;
    if (listen) return { line: listen, known: true };
    if (databaseUrl && /^postgres(ql)?:\/\//i.test(databaseUrl) && URL.canParse(databaseUrl)) {
      const line = describePostgres(facts, databaseUrl);
      if (line) return { line, known: true };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    line: `unexpected failure: ${databaseUrl ? message.replaceAll(databaseUrl, redacted(databaseUrl)) : message}`,
    known: false,
  };
}
