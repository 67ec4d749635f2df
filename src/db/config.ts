import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type pg from 'pg';
import { StartupError } from '../startup/startup-error.ts';
import type { Provider } from './providers.ts';

export interface DatabaseConfig {
  provider: Provider;
  /** A `file:` URL with an absolute path for SQLite; the URL as given for PostgreSQL. */
  url: string;
  /**
   * PostgreSQL: ATTRQL_DIRECT_DATABASE_URL, a session connection to the primary for what transaction pooling cannot
   * carry (LISTEN, migrations and their lock). Set to another URL than `url`, `url` is taken to be a transaction
   * pooler (PgBouncer): nothing is left on its connections past a transaction (see `pooled`).
   */
  directUrl?: string;
}

export const defaultDatabaseUrl = 'file:./data/attrql.db';

/** The forms DATABASE_URL accepts, as error messages name them. */
export const acceptedDatabaseUrls =
  'accepted: file:./path/to.db or a bare path like ./path/to.db (SQLite), postgres://… or postgresql://… (PostgreSQL)';

/**
 * Reads DATABASE_URL: `postgres://` / `postgresql://` selects PostgreSQL, `file:` or a bare path a SQLite file.
 * Any other scheme (`mysql://`, a typo like `postgress://`) is refused: taken as a path it would silently become a
 * new SQLite database in a folder named after the scheme.
 */
export function databaseConfig(url?: string): DatabaseConfig {
  // The direct URL belongs to the process's DATABASE_URL only, not to a URL a caller names.
  const direct = url === undefined ? process.env.ATTRQL_DIRECT_DATABASE_URL || undefined : undefined;
  url ??= process.env.DATABASE_URL || defaultDatabaseUrl;
  if (/^postgres(ql)?:\/\//i.test(url)) {
    if (!URL.canParse(url)) throw new StartupError(`DATABASE_URL is not a valid URL: ${redacted(url)}`);
    if (direct !== undefined && !(/^postgres(ql)?:\/\//i.test(direct) && URL.canParse(direct))) {
      throw new StartupError(`ATTRQL_DIRECT_DATABASE_URL is not a valid postgresql:// URL: ${redacted(direct)}`);
    }
    return direct === undefined || direct === url
      ? { provider: 'postgresql', url }
      : { provider: 'postgresql', url, directUrl: direct };
  }
  if (direct !== undefined) {
    throw new StartupError(
      'ATTRQL_DIRECT_DATABASE_URL is for PostgreSQL only (a direct connection beside a PgBouncer DATABASE_URL); unset it with a SQLite DATABASE_URL',
    );
  }
  // A scheme is letters then ":"; a one-letter one is a Windows drive (C:\data\attrql.db), i.e. a bare path.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1];
  if (scheme && scheme.toLowerCase() !== 'file') {
    throw new StartupError(`DATABASE_URL "${redacted(url)}" is not supported; ${acceptedDatabaseUrls}`);
  }
  const path = url.replace(/^file:(\/\/(?=\/))?/i, '');
  if (path.trim() === '') throw new StartupError(`DATABASE_URL "${url}" names no file; ${acceptedDatabaseUrls}`);
  return { provider: 'sqlite', url: `file:${resolve(path)}` };
}

/** True when DATABASE_URL is a transaction pooler: a direct URL beside it says so. */
export function pooled(config: DatabaseConfig): boolean {
  return config.directUrl !== undefined;
}

/** The config to use for a session connection to the primary (LISTEN, migrations and their lock). */
export function directConfig(config: DatabaseConfig): DatabaseConfig {
  return { provider: config.provider, url: config.directUrl ?? config.url };
}

/** A URL without its password, for messages. */
export function redacted(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** The SQLite file of a config; its folder is created on first use. */
export function sqlitePath(config: DatabaseConfig): string {
  const path = config.url.replace(/^file:/, '');
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new StartupError(
      `cannot create the folder ${folder} for the SQLite database (${code}); create it writable for this user, or point DATABASE_URL at a writable place`,
    );
  }
  return path;
}

/** A database must answer within this time, or the request fails with SERVICE_UNAVAILABLE. */
export const databaseTimeoutMs = 5000;

/**
 * attrql's settings for a pg pool on `url`: size (ATTRQL_PG_POOL_SIZE), timeouts, application name. A session
 * statement_timeout only when the connection is direct (a transaction pooler refuses it; transactions then set it).
 */
export function pgPoolSettings(
  url: string,
  options: { sessionTimeout: boolean; connectTimeoutMs: number },
): pg.PoolConfig {
  return {
    connectionString: url,
    max: Number(process.env.ATTRQL_PG_POOL_SIZE ?? 10),
    connectionTimeoutMillis: options.connectTimeoutMs,
    ...(options.sessionTimeout ? { statement_timeout: databaseTimeoutMs } : {}),
    query_timeout: databaseTimeoutMs + 500,
    application_name: 'attrql',
  };
}
