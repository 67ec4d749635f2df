import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Provider } from './providers.ts';

export interface DatabaseConfig {
  provider: Provider;
  /** A `file:` URL with an absolute path for SQLite; the URL as given for PostgreSQL. */
  url: string;
}

export const defaultDatabaseUrl = 'file:./data/attrql.db';

/** Reads DATABASE_URL: `postgres://` / `postgresql://` selects PostgreSQL, anything else is a SQLite file. */
export function databaseConfig(url = process.env.DATABASE_URL || defaultDatabaseUrl): DatabaseConfig {
  if (/^postgres(ql)?:\/\//i.test(url)) return { provider: 'postgresql', url };
  const path = url.replace(/^file:/, '');
  return { provider: 'sqlite', url: `file:${resolve(path)}` };
}

/** The SQLite file of a config; its folder is created on first use. */
export function sqlitePath(config: DatabaseConfig): string {
  const path = config.url.replace(/^file:/, '');
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** A database must answer within this time, or the request fails with SERVICE_UNAVAILABLE. */
export const databaseTimeoutMs = 5000;
