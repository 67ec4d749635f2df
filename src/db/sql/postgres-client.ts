import pg from 'pg';
import { serviceUnavailable } from '../../errors.ts';
import { timedStatement } from '../../observability/database.ts';
import { countRetry, observePoolWait, observeTransaction } from '../../observability/metrics.ts';
import { databaseTimeoutMs } from '../config.ts';
import { isDatabaseUnavailable, isRetryableConflict } from '../errors.ts';
import { pgClient } from '../pg-connections.ts';
import { statementCounter } from '../statement-counter.ts';
import type { Row, SqlClient, SqlParam, SqlRunner, Statement } from './sql-client.ts';
import { textFor } from './sql-client.ts';

/** Prisma stores DateTime in `timestamp(3)` columns as UTC: read them as UTC whatever the process time zone. */
const timestampOid = 1114;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === timestampOid
      ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** A date as UTC wall-clock text, the form a `timestamp(3)` column holds. */
export const timestampText = (date: Date): string => date.toISOString().replace('Z', '');

function bindable(value: SqlParam): unknown {
  if (value instanceof Date) return timestampText(value);
  return value;
}

const maxAttempts = 4;
export const commitUnconfirmedMessage =
  'The database did not confirm the commit of this write: it may or may not have been applied. Read before retrying.';
export const conflictMessage = 'The database kept aborting this write (deadlock or serialization); retry it.';

/** True when ROLLBACK went through, so the connection can serve again. */
function rolledBack(client: pg.PoolClient): Promise<boolean> {
  return client.query('ROLLBACK').then(
    () => true,
    () => false,
  );
}

export interface PostgresClientOptions {
  /**
   * Named prepared statements (PostgreSQL plans each once per connection; names derive from the text). Only on a
   * direct connection: a transaction pooler hands the connection that holds them to others ("prepared statement
   * aq0 already exists"), so through one every statement is unnamed.
   */
  prepared: boolean;
  /** Sent with each BEGIN (a pooler's connection carries no session timeout: see adapters.ts). */
  beginWith?: string;
  /** A direct session URL to LISTEN on (a pooler cannot carry LISTEN); the pool itself when unset. */
  listenUrl?: string;
}

/** The fast path on the pool Prisma's adapter also uses. */
export class PostgresClient implements SqlClient {
  readonly dialect = 'postgresql' as const;
  private readonly names = new Map<string, string>();
  private readonly begin: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresClientOptions = { prepared: true },
  ) {
    this.begin = options.beginWith ? `BEGIN; ${options.beginWith}` : 'BEGIN';
  }

  private config(statement: Statement, params: readonly SqlParam[]): pg.QueryConfig {
    const text = textFor(statement, 'postgresql');
    statementCounter.record(text);
    if (!this.options.prepared) return { text, values: params.map(bindable), types } as pg.QueryConfig;
    let name = this.names.get(text);
    if (!name) {
      name = `aq${this.names.size}`;
      this.names.set(text, name);
    }
    return { name, text, values: params.map(bindable), types } as pg.QueryConfig;
  }

  /** `committed`: where a transaction's afterCommit callbacks wait (none: outside a transaction, run at once). */
  private runnerOn(client: pg.Pool | pg.PoolClient, committed?: (() => void)[]): SqlRunner {
    return {
      dialect: 'postgresql',
      afterCommit: (callback) => (committed ? void committed.push(callback) : callback()),
      all: async <T extends Row>(statement: Statement, params: readonly SqlParam[] = []) =>
        (await this.query(client, statement, params)).rows as T[],
      run: async (statement, params = []) => (await this.query(client, statement, params)).rowCount ?? 0,
    };
  }

  /** One statement, measured and traced (observability/database.ts). */
  private query(client: pg.Pool | pg.PoolClient, statement: Statement, params: readonly SqlParam[]) {
    const config = this.config(statement, params);
    return timedStatement('postgresql', config.text, () => client.query(config));
  }

  all<T extends Row = Row>(statement: Statement, params: readonly SqlParam[] = []): Promise<T[]> {
    return this.runnerOn(this.pool).all<T>(statement, params);
  }

  run(statement: Statement, params: readonly SqlParam[] = []): Promise<number> {
    return this.runnerOn(this.pool).run(statement, params);
  }

  afterCommit(callback: () => void): void {
    callback();
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const waitStarted = performance.now();
      const client = await this.pool.connect();
      observePoolWait('postgresql', waitStarted);
      const started = performance.now();
      let broken = false;
      let committing = false;
      try {
        statementCounter.record('BEGIN');
        await client.query(this.begin); // one round trip with a pooled connection's SET LOCAL
        const committed: (() => void)[] = [];
        const result = await fn(this.runnerOn(client, committed));
        committing = true;
        await client.query('COMMIT');
        observeTransaction('postgresql', started, true);
        for (const callback of committed) callback();
        return result;
      } catch (error) {
        observeTransaction('postgresql', started, false);
        // A lost or stuck connection is discarded, not rolled back: PostgreSQL rolls back a transaction whose
        // connection closes, and a ROLLBACK behind a stuck statement would wait for the query timeout again.
        broken = committing || isDatabaseUnavailable(error) || !(await rolledBack(client));
        // A COMMIT sent but never answered (connection lost, database frozen past the timeout) may have landed.
        if (committing && isDatabaseUnavailable(error)) throw serviceUnavailable(commitUnconfirmedMessage);
        if (!isRetryableConflict(error)) throw error;
        if (attempt < maxAttempts) {
          countRetry('postgresql');
          continue;
        }
        throw serviceUnavailable(conflictMessage);
      } finally {
        client.release(broken);
      }
    }
  }

  async notify(channel: string, payload = ''): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async listen(
    channel: string,
    onNotify: (payload: string) => void,
    onLost: (error: Error) => void,
  ): Promise<() => Promise<void>> {
    const client = await this.listenConnection();
    let done = false;
    const lost = (error: Error) => {
      if (done) return;
      done = true;
      client.release(error);
      onLost(error);
    };
    client.on('notification', (message) => message.channel === channel && onNotify(message.payload ?? ''));
    client.on('error', lost);
    try {
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      lost(error as Error);
      throw error;
    }
    return async () => {
      if (done) return;
      done = true;
      client.off('error', lost);
      // The connection is closed rather than returned, so no pooled connection keeps listening.
      client.release(true);
    };
  }

  /** A connection of its own to LISTEN on; `release` closes it (no pooled connection keeps listening). */
  private async listenConnection(): Promise<{
    query: (text: string) => Promise<unknown>;
    on: pg.Client['on'];
    off: pg.Client['off'];
    release: (error?: Error | boolean) => void;
  }> {
    if (!this.options.listenUrl) return this.pool.connect();
    const client = pgClient({
      connectionString: this.options.listenUrl,
      connectionTimeoutMillis: databaseTimeoutMs,
      application_name: 'attrql',
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    return Object.assign(client, { release: () => void client.end().catch(() => {}) });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
