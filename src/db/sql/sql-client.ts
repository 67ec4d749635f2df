/**
 * The fast path to the database: statements sent straight to the driver (better-sqlite3 or pg), on the same
 * connection (SQLite) or pool (PostgreSQL) that Prisma uses, without Prisma's query engine in between. A Prisma
 * statement costs ~0.2 ms of CPU here, the driver's own a few hundredths: hot paths (auth, reads, merges) use this.
 */
export type Dialect = 'sqlite' | 'postgresql';

/** One statement, written once with `$1 … $n` parameters, or once per dialect where the SQL differs. */
export type Statement = string | { readonly sqlite: string; readonly postgresql: string };

/**
 * A parameter: Dates and booleans are stored the way Prisma stores them in each database. A list is only for
 * `inList` (a PostgreSQL array; JSON text that SQLite's json_each reads).
 */
export type SqlParam = string | number | boolean | Date | null | readonly string[];

export type Row = Record<string, unknown>;

export interface SqlRunner {
  readonly dialect: Dialect;
  /** The rows a statement returns. */
  all<T extends Row = Row>(statement: Statement, params?: readonly SqlParam[]): Promise<T[]>;
  /** Runs a statement that returns no rows; resolves with the number of rows it changed. */
  run(statement: Statement, params?: readonly SqlParam[]): Promise<number>;
  /**
   * Calls `callback` once the transaction of this runner has committed (at once outside a transaction); never
   * when it rolls back. For what must not happen before others can read the write (waking change readers).
   */
  afterCommit(callback: () => void): void;
}

export interface SqlClient extends SqlRunner {
  /**
   * Runs `fn` in one transaction. On SQLite it holds the write lock from the start (BEGIN IMMEDIATE) and shares
   * Prisma's lock, so no other statement of this process interleaves; on PostgreSQL a deadlock or serialization
   * failure is retried a few times, then answered SERVICE_UNAVAILABLE.
   */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: calls `onNotify` with the payload of each NOTIFY on `channel`, on one connection of its own,
   * until the returned function is called. `onLost` is told when that connection fails (listen again after it).
   */
  listen?(
    channel: string,
    onNotify: (payload: string) => void,
    onLost: (error: Error) => void,
  ): Promise<() => Promise<void>>;
  /**
   * PostgreSQL only: NOTIFY `channel` with `payload`. A background wake-up of other instances, not part of any
   * request, so the statement counter (which measures requests) does not count it.
   */
  notify?(channel: string, payload?: string): Promise<void>;
  close(): Promise<void>;
}

/** A statement whose text differs between the databases, built once per dialect. */
export function perDialect(build: (dialect: Dialect) => string): { sqlite: string; postgresql: string } {
  return { sqlite: build('sqlite'), postgresql: build('postgresql') };
}

/** `IN (…)` over a list given as the one parameter `$n`: one statement text, one cached plan, for any length. */
export function inList(dialect: Dialect, n: number): string {
  return dialect === 'sqlite' ? `IN (SELECT value FROM json_each($${n}))` : `= ANY($${n})`;
}

/**
 * An INSERT of one person's rows given as lists: `$1` the organization, `$2` the person, then one list parameter per
 * column of `listed` (JSON arrays on SQLite, text arrays on PostgreSQL); row i is every list's item i. One statement
 * text, and one statement, for any number of rows (never one statement per item of a request's list).
 */
export function insertPersonRows(table: string, listed: readonly string[]): { sqlite: string; postgresql: string } {
  const columns = ['orgId', 'personId', ...listed].map((column) => `"${column}"`).join(', ');
  const items = listed.map((_, i) => `l${i}`);
  return perDialect((d) => {
    const from =
      d === 'sqlite'
        ? items.map((l, i) => (i === 0 ? `json_each($3) ${l}` : `JOIN json_each($${i + 3}) ${l} ON ${l}.key = l0.key`))
        : [`unnest(${items.map((_, i) => `$${i + 3}::text[]`).join(', ')}) AS rows(${items.join(', ')})`];
    const values = d === 'sqlite' ? items.map((l) => `${l}.value`) : items;
    return `INSERT INTO "${table}" (${columns}) SELECT $1, $2, ${values.join(', ')} FROM ${from.join(' ')}`;
  });
}

export function textFor(statement: Statement, dialect: Dialect): string {
  return typeof statement === 'string' ? statement : statement[dialect];
}

/** A timestamp column as a Date, whichever form the driver returned it in. */
export function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

/** A boolean column (SQLite stores 0/1). */
export function toBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === 1n;
}
