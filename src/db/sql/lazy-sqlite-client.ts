import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { sqliteAdapterOf } from '../adapters.ts';
import type { SerializedSqliteAdapter } from '../sqlite-serialized-adapter.ts';
import type { Row, SqlClient, SqlParam, SqlRunner, Statement } from './sql-client.ts';
import { SqliteClient } from './sqlite-client.ts';

/**
 * The SQLite fast path on Prisma's own connection, opened on first use (importing attrql opens no database).
 * After Prisma reconnects ($disconnect, then a query), the new connection gets a client of its own.
 */
export class LazySqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const;
  private readonly clients = new WeakMap<SerializedSqliteAdapter, SqliteClient>();

  constructor(private readonly factory: SqlDriverAdapterFactory) {}

  private async client(): Promise<SqliteClient> {
    const adapter = await sqliteAdapterOf(this.factory);
    let client = this.clients.get(adapter);
    if (!client) {
      client = new SqliteClient(adapter.database, adapter.lock);
      this.clients.set(adapter, client);
    }
    return client;
  }

  async all<T extends Row = Row>(statement: Statement, params?: readonly SqlParam[]): Promise<T[]> {
    return (await this.client()).all<T>(statement, params);
  }

  async run(statement: Statement, params?: readonly SqlParam[]): Promise<number> {
    return (await this.client()).run(statement, params);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return (await this.client()).transaction(fn);
  }

  afterCommit(callback: () => void): void {
    callback();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
