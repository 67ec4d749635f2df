import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** True when the suite runs on PostgreSQL (TEST_DATABASE_URL=postgresql://…), else on throwaway SQLite files. */
export const onPostgres = /^postgres(ql)?:\/\//.test(process.env.TEST_DATABASE_URL ?? '');

/** A URL for a brand-new, empty database: a SQLite file in a temp folder, or a new PostgreSQL database. */
export async function createTestDatabase(label = 'test'): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!onPostgres) {
    const dir = mkdtempSync(join(tmpdir(), `attrql-${label}-`));
    return { url: `file:${join(dir, 'attrql.db')}`, drop: async () => {} };
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
