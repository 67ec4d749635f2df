import type { Database, Statement as PreparedStatement } from 'better-sqlite3';
import { statementEnded, traceStatement } from '../../observability/database.ts';
import { observeTransaction } from '../../observability/metrics.ts';
import type { Mutex } from '../mutex.ts';
import { beginWhileBusy, lockedNowOrWhileBusy } from '../sqlite-busy.ts';
import { statementCounter } from '../statement-counter.ts';
import type { Row, SqlClient, SqlParam, SqlRunner, Statement } from './sql-client.ts';
import { textFor } from './sql-client.ts';
import { GroupCommit } from './sqlite-group-commit.ts';

/** `$1 … $n` → `?` with the arguments in order of appearance (better-sqlite3 binds `?` by position). */
interface Compiled {
  statement: PreparedStatement;
  /** The statement as written (`$n`), for its span. */
  text: string;
  order: number[];
}

/** Prisma's SQLite DateTime text: ISO-8601 with "+00:00". */
const sqliteDate = (date: Date) => date.toISOString().replace('Z', '+00:00');

function bindable(value: SqlParam): unknown {
  if (value instanceof Date) return sqliteDate(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Array.isArray(value)) return JSON.stringify(value);
  return value;
}

/**
 * better-sqlite3 is synchronous: each statement runs to completion on the spot. Prepared statements are cached
 * by text, and every statement and transaction takes the lock Prisma's adapter takes (sqlite-serialized-adapter.ts),
 * so nothing of ours runs inside another request's open Prisma transaction.
 */
export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const;
  private readonly cache = new Map<string, Compiled>();
  private readonly runner: SqlRunner;
  private readonly groups: GroupCommit;

  constructor(
    private readonly database: Database,
    private readonly lock: Mutex,
  ) {
    this.runner = {
      dialect: 'sqlite',
      all: async <T extends Row>(statement: Statement, params: readonly SqlParam[] = []) =>
        this.allNow<T>(statement, params),
      run: async (statement, params = []) => this.runNow(statement, params),
      afterCommit: (callback) => this.groups.afterCommit(callback),
    };
    this.groups = new GroupCommit({
      // The write lock is taken first (waiting asynchronously while another process has it), then everything runs.
      // Transaction control is timed but not traced, as on PostgreSQL: a group's BEGIN, COMMIT and savepoints would
      // be spans of one member's trace only, and were 2 (more with savepoints) of a traced merge's 9 (issue 19's cost).
      begin: () => beginWhileBusy(this.lock, () => this.runNow('BEGIN IMMEDIATE', [], false)),
      run: (statement) => void this.runNow(statement, [], false),
      inTransaction: () => this.database.inTransaction,
    });
  }

  private compile(statement: Statement): Compiled {
    const text = textFor(statement, 'sqlite');
    let compiled = this.cache.get(text);
    if (!compiled) {
      const order: number[] = [];
      const sql = text.replace(/\$(\d+)/g, (_match, index: string) => {
        order.push(Number(index) - 1);
        return '?';
      });
      const prepared = this.database.prepare(sql);
      if (prepared.reader) prepared.safeIntegers(false);
      compiled = { statement: prepared, text, order };
      this.cache.set(text, compiled);
    }
    statementCounter.record(text);
    return compiled;
  }

  private args(compiled: Compiled, params: readonly SqlParam[]): unknown[] {
    return compiled.order.map((index) => bindable(params[index] ?? null));
  }

  // Measured inline (no closure per statement): these run for every read of a busy server.
  private allNow<T extends Row>(statement: Statement, params: readonly SqlParam[]): T[] {
    const compiled = this.compile(statement);
    const started = performance.now();
    const span = traceStatement('sqlite', compiled.text);
    let failed: unknown;
    try {
      return compiled.statement.all(...this.args(compiled, params)) as T[];
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      statementEnded('sqlite', started, span, failed);
    }
  }

  private runNow(statement: Statement, params: readonly SqlParam[], traced = true): number {
    const compiled = this.compile(statement);
    const started = performance.now();
    const span = traced ? traceStatement('sqlite', compiled.text) : undefined;
    let failed: unknown;
    try {
      return compiled.statement.run(...this.args(compiled, params)).changes;
    } catch (error) {
      failed = error;
      throw error;
    } finally {
      statementEnded('sqlite', started, span, failed);
    }
  }

  all<T extends Row = Row>(statement: Statement, params: readonly SqlParam[] = []): Promise<T[]> {
    return lockedNowOrWhileBusy(this.lock, () => this.allNow<T>(statement, params));
  }

  run(statement: Statement, params: readonly SqlParam[] = []): Promise<number> {
    return lockedNowOrWhileBusy(this.lock, () => this.runNow(statement, params));
  }

  /** Concurrent transactions of this process commit together (sqlite-group-commit.ts), each still on its own. */
  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await this.groups.run(() => fn(this.runner));
      observeTransaction('sqlite', started, true);
      return result;
    } catch (error) {
      observeTransaction('sqlite', started, false);
      throw error;
    }
  }

  afterCommit(callback: () => void): void {
    callback();
  }

  async close(): Promise<void> {
    // The connection is Prisma's: it closes it on $disconnect.
  }
}
