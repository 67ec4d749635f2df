import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** True when the suite runs on PostgreSQL (TEST_DATABASE_URL=postgresql://…), else on throwaway SQLite files. */
export const onPostgres = /^postgres(ql)?:\/\//.test(process.env.TEST_DATABASE_URL ?? '');

const created: (() => Promise<void>)[] = [];

/** Drops every database this test file created (test/setup.ts calls it once the file is done). */
export async function dropTestDatabases(): Promise<void> {
  await Promise.all(created.splice(0).map((drop) => drop()));
}

/**
 * A URL for a brand-new, empty database: a SQLite file in a temp folder, or a new PostgreSQL database. It is
 * dropped when the test file ends (or earlier with `drop`).
 */
export async function createTestDatabase(label = 'test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const database = await newDatabase(label);
  created.push(database.drop);
  return database;
}

async function newDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!onPostgres) {
    const dir = mkdtempSync(join(tmpdir(), `attrql-${label}-`));
    return { url: `file:${join(dir, 'attrql.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const serverUrl = process.env.TEST_DATABASE_URL as string;
  const name = `attrql_${label.replace(/\W/g, '_').slice(0, 20)}_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

async function withAdminClient(serverUrl: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
