import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlQuery,
  SqlResultSet,
  Transaction,
} from '@prisma/driver-adapter-utils';
import type { Database } from 'better-sqlite3';
import { observeLockWait } from '../observability/metrics.ts';
import { Mutex } from './mutex.ts';
import { beginWhileBusy, lockedWhileBusy } from './sqlite-busy.ts';

/**
 * Wraps Prisma's better-sqlite3 adapter, which shares one connection between transactions and plain queries:
 * a query issued while another request's transaction is open would run inside it (and vanish on its rollback).
 * Here every statement and every transaction takes one lock, so they never interleave on the connection.
 *
 * Transactions open with BEGIN IMMEDIATE: they take SQLite's write lock up front (waiting for it without blocking
 * the event loop, see sqlite-busy.ts), so a read-then-write transaction cannot fail with SQLITE_BUSY halfway when
 * another process writes the same file.
 */
export class SerializedSqliteAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  /** Shared with the fast path (sql/sqlite-client.ts), which sends statements on the same connection. */
  readonly lock = new Mutex(observeLockWait);

  constructor(private readonly inner: SqlDriverAdapter) {
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  /** The better-sqlite3 connection inside Prisma's adapter (its public `client` field, adapter 7.10). */
  get database(): Database {
    return (this.inner as unknown as { client: Database }).client;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return lockedWhileBusy(this.lock, () => this.inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return lockedWhileBusy(this.lock, () => this.inner.executeRaw(query));
  }

  async executeScript(script: string): Promise<void> {
    const release = await this.lock.acquire();
    try {
      await this.inner.executeScript(script);
    } finally {
      release();
    }
  }

  async startTransaction(_isolationLevel?: IsolationLevel): Promise<Transaction> {
    const release = await beginWhileBusy(this.lock, () =>
      this.inner.executeRaw({ sql: 'BEGIN IMMEDIATE', args: [], argTypes: [] }),
    );
    const inner = this.inner;
    let open = true;
    const end = () => {
      if (open) {
        open = false;
        release();
      }
    };
    // Prisma sends COMMIT / ROLLBACK itself (usePhantomQuery: false); commit() and rollback() only free the lock.
    return {
      provider: this.provider,
      adapterName: this.adapterName,
      options: { usePhantomQuery: false },
      queryRaw: (query) => inner.queryRaw(query),
      executeRaw: (query) => inner.executeRaw(query),
      commit: async () => end(),
      rollback: async () => end(),
      createSavepoint: async (name) =>
        void (await inner.executeRaw({ sql: `SAVEPOINT ${name}`, args: [], argTypes: [] })),
      rollbackToSavepoint: async (name) =>
        void (await inner.executeRaw({ sql: `ROLLBACK TO ${name}`, args: [], argTypes: [] })),
      releaseSavepoint: async (name) =>
        void (await inner.executeRaw({ sql: `RELEASE SAVEPOINT ${name}`, args: [], argTypes: [] })),
    };
  }

  getConnectionInfo() {
    return this.inner.getConnectionInfo?.() ?? { supportsRelationJoins: false };
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}
