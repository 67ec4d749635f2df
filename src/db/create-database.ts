import { pgClient } from './pg-connections.ts';

/** True when PostgreSQL said the database of the URL does not exist. */
export function isMissingDatabase(error: unknown): boolean {
  return (error as { code?: unknown })?.code === '3D000';
}

/**
 * Creates the database a PostgreSQL URL names, connected to the server's `postgres` maintenance database, as
 * `prisma migrate deploy` does. Only `npm run db:migrate` calls it: `npm start` never creates a database, so a
 * typo in DATABASE_URL cannot silently start an empty one.
 */
export async function createPostgresDatabase(databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username);
  url.pathname = '/postgres';
  const client = pgClient({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  return name;
}
