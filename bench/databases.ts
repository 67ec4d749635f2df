// The databases a run works on: SQLite files under bench/.data/, PostgreSQL databases created (and dropped) on
// the server in BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseConfig, sqlitePath } from '../src/db/config.ts';
import { repoRoot } from './processes.ts';

export const dataDir = join(repoRoot, 'bench', '.data');
export const pgServerUrl = process.env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export function sqliteDatabase(name: string): BenchDatabase {
  const dir = join(dataDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { url: `file:${join(dir, 'attrql.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function onServer(fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: pgServerUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

export async function postgresDatabase(name: string): Promise<BenchDatabase> {
  const database = `attrql_bench_${name.replace(/\W/g, '_')}_${process.pid}`;
  await onServer((client) => client.query(`CREATE DATABASE "${database}"`));
  const url = new URL(pgServerUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    drop: () => onServer((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)),
  };
}

/** Every person's current UUID metadata eTag in the organization (scenario 4 starts from these). */
export async function metadataETags(databaseUrl: string, orgId: string): Promise<Record<string, string>> {
  const sql = 'SELECT "personId", "eTag" FROM "UuidMetadata" WHERE "orgId" = ';
  let rows: { personId: string; eTag: string }[];
  const config = databaseConfig(databaseUrl);
  if (config.provider === 'sqlite') {
    const db = new Database(sqlitePath(config), { readonly: true, timeout: 5000 });
    try {
      rows = db.prepare(`${sql}?`).all(orgId) as typeof rows;
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: config.url });
    await client.connect();
    try {
      rows = (await client.query(`${sql}$1`, [orgId])).rows;
    } finally {
      await client.end();
    }
  }
  return Object.fromEntries(rows.map((row) => [row.personId, row.eTag]));
}
