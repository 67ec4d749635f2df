import Database from 'better-sqlite3';
import { type DatabaseConfig, directConfig, sqlitePath } from './config.ts';
import { loadMigrations } from './migrations.ts';
import { pgClient } from './pg-connections.ts';
import { withSchemaEngine } from './schema-engine.ts';
import { assertSqliteWritable } from './sqlite-access.ts';

/** How long an instance waits for another one that is applying migrations. */
const lockWaitMs = 120_000;
/** Key of the PostgreSQL advisory lock held while migrating ("attrql" in ASCII). */
const advisoryLockKey = 0x61747472716c;

export interface MigrateOptions {
  /** Apply only the first N migrations (upgrade tests). */
  upTo?: number;
  log?: (line: string) => void;
}

/**
 * Applies pending migrations. Safe when several instances start at once: one holds a lock and applies,
 * the others wait for it and then find nothing left to do.
 */
export async function migrate(pooledOrDirect: DatabaseConfig, options: MigrateOptions = {}): Promise<string[]> {
  // The schema engine and the session advisory lock need a session: never a transaction pooler's connection.
  const config = directConfig(pooledOrDirect);
  const log = options.log ?? (() => {});
  if (config.provider === 'sqlite') assertSqliteWritable(config);
  const wanted = loadMigrations(config.provider, options.upTo).migrationDirectories.map((dir) => dir.path);
  // The engine takes SQLite's exclusive locking mode, which fails while another process (a running instance)
  // has the file open, so it only runs when something is pending; with nothing to do, instances start freely.
  if ((await pendingMigrations(config, wanted)).length === 0) return [];
  return withMigrationLock(config, async () => {
    // Another instance may have applied them while this one waited for the lock.
    if ((await pendingMigrations(config, wanted)).length === 0) return [];
    if (config.provider === 'sqlite') enableWal(config);
    const { appliedMigrationNames } = await withSchemaEngine(config, (engine) =>
      engine.applyMigrations({
        migrationsList: loadMigrations(config.provider, options.upTo),
        filters: { externalTables: [], externalEnums: [] },
      }),
    );
    for (const name of appliedMigrationNames) log(`applied migration ${name}`);
    return appliedMigrationNames;
  });
}

/** The wanted migrations that the database has not recorded as applied in Prisma's _prisma_migrations. */
export async function pendingMigrations(config: DatabaseConfig, wanted: string[]): Promise<string[]> {
  const query =
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL';
  let applied: string[];
  if (config.provider === 'postgresql') {
    const client = pgClient({ connectionString: config.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const exists = await client.query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present");
      applied = exists.rows[0]?.present ? (await client.query(query)).rows.map((row) => row.migration_name) : [];
    } finally {
      await client.end();
    }
  } else {
    const sqlite = new Database(sqlitePath(config), { timeout: lockWaitMs });
    try {
      const exists = sqlite
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'")
        .get();
      applied = exists
        ? sqlite
            .prepare(query)
            .all()
            .map((row) => (row as { migration_name: string }).migration_name)
        : [];
    } finally {
      sqlite.close();
    }
  }
  const done = new Set(applied);
  return wanted.filter((name) => !done.has(name));
}

function enableWal(config: DatabaseConfig): void {
  const sqlite = new Database(sqlitePath(config), { timeout: lockWaitMs });
  try {
    sqlite.pragma('journal_mode = WAL');
  } finally {
    sqlite.close();
  }
}

async function withMigrationLock<T>(config: DatabaseConfig, fn: () => Promise<T>): Promise<T> {
  if (config.provider === 'postgresql') {
    const client = pgClient({ connectionString: config.url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [advisoryLockKey]);
      return await fn();
    } finally {
      await client.end(); // ends the session, which releases the advisory lock
    }
  }
  // SQLite: an exclusive transaction on a side file is a lock that the OS frees if the process dies.
  const lock = new Database(`${sqlitePath(config)}.migrate-lock`, { timeout: lockWaitMs });
  try {
    lock.exec('BEGIN EXCLUSIVE');
    return await fn();
  } finally {
    if (lock.inTransaction) lock.exec('ROLLBACK');
    lock.close();
  }
}
