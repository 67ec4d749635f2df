import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { type DatabaseConfig, databaseTimeoutMs, sqlitePath } from './config.ts';
import { SerializedSqliteAdapter } from './sqlite-serialized-adapter.ts';
import { statementCounter } from './statement-counter.ts';

/**
 * The driver adapter factory for a database. Every statement passes through `countStatements`, so tests can
 * assert how many SQL statements a request costs (N+1 is a correctness bug here).
 */
export function adapterFactory(config: DatabaseConfig): SqlDriverAdapterFactory {
  if (config.provider === 'postgresql') {
    const factory = new PrismaPg({
      connectionString: config.url,
      max: Number(process.env.ATTRQL_PG_POOL_SIZE ?? 10),
      connectionTimeoutMillis: databaseTimeoutMs,
      statement_timeout: databaseTimeoutMs,
      query_timeout: databaseTimeoutMs + 500,
      application_name: 'attrql',
    });
    return wrapFactory(factory, (adapter) => countStatements(adapter));
  }
  const factory = new PrismaBetterSqlite3({ url: `file:${sqlitePath(config)}`, timeout: databaseTimeoutMs });
  return wrapFactory(factory, async (adapter) => {
    // WAL is persistent (set by the migrator); synchronous=NORMAL is per connection and safe under WAL.
    await adapter.executeScript('PRAGMA synchronous = NORMAL');
    return countStatements(new SerializedSqliteAdapter(adapter));
  });
}

function wrapFactory(
  inner: SqlDriverAdapterFactory,
  wrap: (adapter: SqlDriverAdapter) => SqlDriverAdapter | Promise<SqlDriverAdapter>,
): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => wrap(await inner.connect()),
  };
}

/** Counts every statement sent to the database, transactions included. */
function countStatements(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const counted =
    <T>(run: (query: SqlQuery) => Promise<T>) =>
    (query: SqlQuery): Promise<T> => {
      statementCounter.record(query.sql);
      return run(query);
    };
  const countTransaction = (tx: Transaction): Transaction => ({
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: counted((query) => tx.queryRaw(query)),
    executeRaw: counted((query) => tx.executeRaw(query)),
    commit: () => tx.commit(),
    rollback: () => tx.rollback(),
    createSavepoint: tx.createSavepoint && ((name) => tx.createSavepoint?.(name) ?? Promise.resolve()),
    rollbackToSavepoint: tx.rollbackToSavepoint && ((name) => tx.rollbackToSavepoint?.(name) ?? Promise.resolve()),
    releaseSavepoint: tx.releaseSavepoint && ((name) => tx.releaseSavepoint?.(name) ?? Promise.resolve()),
  });
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: counted((query) => adapter.queryRaw(query)),
    executeRaw: counted((query) => adapter.executeRaw(query)),
    executeScript: (script) => adapter.executeScript(script),
    // The adapters send BEGIN themselves, past queryRaw/executeRaw: it is counted here.
    startTransaction: async (level) => {
      statementCounter.record('BEGIN');
      return countTransaction(await adapter.startTransaction(level));
    },
    getConnectionInfo:
      adapter.getConnectionInfo && (() => adapter.getConnectionInfo?.() ?? { supportsRelationJoins: false }),
    dispose: () => adapter.dispose(),
  };
}
