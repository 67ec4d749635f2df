// Runs before each test file, in the file's own module graph: gives the file a fresh, migrated database and
// points DATABASE_URL at it before any application module (and so the Prisma client) is loaded.
import { afterAll } from 'vitest';
import { databaseConfig } from '../src/db/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { createTestDatabase, dropTestDatabases } from './helpers/database.ts';

process.env.ATTRQL_LOG ??= 'silent';
process.env.ATTRQL_RATE_LIMIT_PER_MINUTE ??= '0';

const database = await createTestDatabase(process.env.VITEST_POOL_ID ?? 'test');
process.env.DATABASE_URL = database.url;
await migrate(databaseConfig(database.url));

afterAll(async () => {
  // The live feed's listening connection (PostgreSQL) would keep the pool from closing.
  const { changeFeed } = await import('../src/live/change-feed.ts');
  await changeFeed.stop();
  const { database } = await import('../src/db/client.ts');
  await database.close();
  // This file's own database and any other it created (for extra instances, migrations, …).
  await dropTestDatabases();
});
