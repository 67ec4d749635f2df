import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { log } from '../log.ts';
import { timedStatement } from '../observability/database.ts';
import { observeTransaction, watchPool } from '../observability/metrics.ts';
import { type DatabaseConfig, databaseTimeoutMs, pgPoolSettings, pooled, sqlitePath } from './config.ts';
import { heardPool } from './pg-connections.ts';
import { backstopPages, startCheckpointer } from './sqlite-checkpointer.ts';
import { SerializedSqliteAdapter } from './sqlite-serialized-adapter.ts';
import { statementCounter } from './statement-counter.ts';

/**
 * Through a transaction pooler a session setting would stay on a server connection that others get next, and
 * PgBouncer refuses `statement_timeout` as a startup parameter: each transaction sets it for itself instead.
 */
export const setLocalTimeout = `SET LOCAL statement_timeout = ${databaseTimeoutMs}`;

/** The pool of a PostgreSQL database, shared by Prisma's adapter and the fast path (sql/postgres-client.ts). */
export function postgresPool(config: DatabaseConfig): pg.Pool {
  const pool = new pg.Pool(
    pgPoolSettings(config.url, { sessionTimeout: !pooled(config), connectTimeoutMs: databaseTimeoutMs }),
  );
  // pg-pool listens to a connection only while it is idle; one checked out (the fast path's transaction, Prisma's
  // adapter, the LISTEN client) would crash the process when lost. Its statement fails instead (SERVICE_UNAVAILABLE),
  // whoever holds it releases it, and pg-pool discards it as no longer queryable.
  watchPool(pool);
  return heardPool(pool, (error) => log('database connection lost', { error: error.message }));
}

/**
 * The driver adapter factory for a database. Every statement passes through `countStatements`, so tests can
 * assert how many SQL statements a request costs (N+1 is a correctness bug here). The SQLite adapter is made once
 * and handed out again on every connect, so the fast path can share its connection and lock.
 */
export function adapterFactory(config: DatabaseConfig, pool?: pg.Pool): SqlDriverAdapterFactory {
  if (config.provider === 'postgresql') {
    const factory = new PrismaPg(pool ?? postgresPool(config));
    const onBegin = pooled(config)
      ? (tx: Transaction) => tx.executeRaw({ sql: setLocalTimeout, args: [], argTypes: [] }).then(() => {})
      : undefined;
    return wrapFactory(factory, (adapter) => countStatements(adapter, onBegin));
  }
  const factory = new PrismaBetterSqlite3({ url: `file:${sqlitePath(config)}`, timeout: databaseTimeoutMs });
  return wrapFactory(factory, async (adapter) => {
    // WAL is persistent (set by the migrator); synchronous=NORMAL is per connection and safe under WAL. Waits for
    // another process's write lock happen in JavaScript, without blocking the event loop (sqlite-busy.ts).
    // Checkpoints run in a worker thread (sqlite-checkpointer.ts); this connection's own only as a backstop.
    await adapter.executeScript(
      `PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0; PRAGMA wal_autocheckpoint = ${backstopPages}`,
    );
    const checkpointer = startCheckpointer(sqlitePath(config));
    const counted = countStatements(new SerializedSqliteAdapter(adapter));
    return { ...counted, dispose: () => checkpointer.stop().then(() => counted.dispose()) };
  });
}

/** The one SQLite adapter of a factory made by `adapterFactory` (connecting it on first use). */
export async function sqliteAdapterOf(factory: SqlDriverAdapterFactory): Promise<SerializedSqliteAdapter> {
  const adapter = await factory.connect();
  const serialized = (adapter as CountedAdapter).inner;
  if (!(serialized instanceof SerializedSqliteAdapter)) throw new Error('not a SQLite adapter of adapterFactory()');
  return serialized;
}

function wrapFactory(
  inner: SqlDriverAdapterFactory,
  wrap: (adapter: SqlDriverAdapter) => SqlDriverAdapter | Promise<SqlDriverAdapter>,
): SqlDriverAdapterFactory {
  let connected: Promise<SqlDriverAdapter> | null = null;
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: () => {
      connected ??= inner
        .connect()
        .then(wrap)
        .then((adapter) => ({
          ...adapter,
          // Prisma connects again after $disconnect: that gets a new connection.
          dispose: () => {
            connected = null;
            return adapter.dispose();
          },
        }))
        .catch((error: unknown) => {
          connected = null; // a failed connect is tried again by the next query, not remembered
          throw error;
        });
      return connected;
    },
  };
}

type CountedAdapter = SqlDriverAdapter & { inner: SqlDriverAdapter };

/**
 * Counts every statement sent to the database, transactions included; each is measured and traced too. `onBegin`
 * runs first in each transaction, uncounted (it is the pooled connection's timeout, not the request's work).
 */
function countStatements(adapter: SqlDriverAdapter, onBegin?: (tx: Transaction) => Promise<void>): CountedAdapter {
  const dialect = adapter.provider === 'postgres' ? 'postgresql' : 'sqlite';
  const counted =
    <T>(run: (query: SqlQuery) => Promise<T>) =>
    (query: SqlQuery): Promise<T> => {
      statementCounter.record(query.sql);
      return timedStatement(dialect, query.sql, () => run(query));
    };
  const countTransaction = (tx: Transaction, started: number): Transaction => ({
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: counted((query) => tx.queryRaw(query)),
    executeRaw: counted((query) => tx.executeRaw(query)),
    commit: () => tx.commit().finally(() => observeTransaction(dialect, started, true)),
    rollback: () => tx.rollback().finally(() => observeTransaction(dialect, started, false)),
    createSavepoint: tx.createSavepoint && ((name) => tx.createSavepoint?.(name) ?? Promise.resolve()),
    rollbackToSavepoint: tx.rollbackToSavepoint && ((name) => tx.rollbackToSavepoint?.(name) ?? Promise.resolve()),
    releaseSavepoint: tx.releaseSavepoint && ((name) => tx.releaseSavepoint?.(name) ?? Promise.resolve()),
  });
  return {
    inner: adapter,
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: counted((query) => adapter.queryRaw(query)),
    executeRaw: counted((query) => adapter.executeRaw(query)),
    executeScript: (script) => adapter.executeScript(script),
    // The adapters send BEGIN themselves, past queryRaw/executeRaw: it is counted here.
    startTransaction: async (level) => {
      statementCounter.record('BEGIN');
      const started = performance.now();
      const tx = await adapter.startTransaction(level);
      if (onBegin) {
        await onBegin(tx).catch(async (error: unknown) => {
          await tx.rollback().catch(() => {}); // releases the connection; a lost one is discarded either way
          throw error;
        });
      }
      return countTransaction(tx, started);
    },
    getConnectionInfo:
      adapter.getConnectionInfo && (() => adapter.getConnectionInfo?.() ?? { supportsRelationJoins: false }),
    dispose: () => adapter.dispose(),
  };
}
