import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Dialect } from '../db/sql/sql-client.ts';
import { LeanHistogram } from './histogram.ts';

/**
 * The metrics /metrics exposes (CONTRACT §11), in a registry of attrql's own (prom-client's global one is left to
 * whoever embeds us). Labels are bounded and never carry an org, person, key, token, attribute name or value.
 * Hot paths observe series found once (histogram.ts): no label hashing, no closure per request.
 */
export const registry = new Registry();

/** ATTRQL_METRICS=false (0, no, off): /metrics answers 404 and nothing is measured (read once, at start). */
export function metricsEnabled(): boolean {
  return !/^(false|0|no|off)$/i.test(process.env.ATTRQL_METRICS ?? '');
}
const on = metricsEnabled();
if (on) collectDefaultMetrics({ register: registry });

/** Seconds, from 1 ms to 10 s: a GraphQL or REST request, a transaction. */
const requestBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds, from 50 µs: a statement on SQLite takes a few hundredths of a millisecond. */
const statementBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5];

const graphqlDuration = new LeanHistogram(
  'attrql_graphql_operation_duration_seconds',
  'GraphQL operations by type, name (at most 100 per process, then "other") and outcome ("ok" or the first error code).',
  ['operation_type', 'operation_name', 'outcome'],
  requestBuckets,
  registry,
);

const restDuration = new LeanHistogram(
  'attrql_rest_request_duration_seconds',
  'Vendor REST requests by route operation id (e.g. slashid.mergeBucket) and HTTP status.',
  ['operation', 'status'],
  requestBuckets,
  registry,
);

const openSubscriptions = new Gauge({
  name: 'attrql_subscriptions_open',
  help: 'Subscriptions open on this instance, by transport (sse or websocket).',
  labelNames: ['transport'] as const,
  registers: [registry],
});

// Both transports are shown from the start, at 0: an absent series reads as "no data", not "none open".
if (on) for (const transport of ['sse', 'websocket']) openSubscriptions.labels(transport).set(0);

const deliveryLag = new LeanHistogram(
  'attrql_change_delivery_lag_seconds',
  "Time from a change's commit to its hand-over to a live subscriber, by transport.",
  ['transport'],
  [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registry,
);

const statementDuration = new LeanHistogram(
  'attrql_db_statement_duration_seconds',
  'SQL statements sent to the database (fast path and Prisma), by database system.',
  ['db_system'],
  statementBuckets,
  registry,
);

const transactionDuration = new LeanHistogram(
  'attrql_db_transaction_duration_seconds',
  'Database transactions from BEGIN to COMMIT or ROLLBACK (retries included), by database system and outcome.',
  ['db_system', 'outcome'],
  requestBuckets,
  registry,
);

const poolWait = new LeanHistogram(
  'attrql_db_pool_wait_seconds',
  'Waits for a database connection (PostgreSQL pool) or for the write lock (SQLite), when one had to wait.',
  ['db_system'],
  [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registry,
);

const transactionRetries = new Counter({
  name: 'attrql_db_transaction_retries_total',
  help: 'Transactions run again after a deadlock or serialization failure (PostgreSQL).',
  labelNames: ['db_system'] as const,
  registers: [registry],
});

const rateLimited = new Counter({
  name: 'attrql_rate_limited_requests_total',
  help: 'Operations and subscriptions refused with RATE_LIMITED.',
  registers: [registry],
});

/** A PostgreSQL pool's counts, read when scraped. */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}
const pools: PoolCounts[] = [];

new Gauge({
  name: 'attrql_db_pool_connections',
  help: 'PostgreSQL pool connections, by state (idle or in_use).',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    let total = 0;
    let idle = 0;
    for (const pool of pools) {
      total += pool.totalCount;
      idle += pool.idleCount;
    }
    this.set({ state: 'idle' }, idle);
    this.set({ state: 'in_use' }, total - idle);
  },
});

new Gauge({
  name: 'attrql_db_pool_waiting_requests',
  help: 'Requests waiting for a PostgreSQL pool connection right now.',
  registers: [registry],
  collect() {
    let waiting = 0;
    for (const pool of pools) waiting += pool.waitingCount;
    this.set(waiting);
  },
});

/** Reports this pool's connections on /metrics. */
export function watchPool(pool: PoolCounts): void {
  pools.push(pool);
}

/** Children cached by their label values: one Map lookup per observation. */
function cached<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (!child) {
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}

const graphqlChild = cached((key) => {
  const [type, name, outcome] = key.split('\n') as [string, string, string];
  return graphqlDuration.labels(type, name, outcome);
});
const restChild = cached((key) => {
  const [operation, status] = key.split('\n') as [string, string];
  return restDuration.labels(operation, status);
});
const poolWaitSqlite = poolWait.labels('sqlite');
const statementChild = {
  sqlite: statementDuration.labels('sqlite'),
  postgresql: statementDuration.labels('postgresql'),
};
const committedChild = {
  sqlite: transactionDuration.labels('sqlite', 'commit'),
  postgresql: transactionDuration.labels('postgresql', 'commit'),
};
const rolledBackChild = {
  sqlite: transactionDuration.labels('sqlite', 'rollback'),
  postgresql: transactionDuration.labels('postgresql', 'rollback'),
};

export function observeGraphql(type: string, name: string, outcome: string, seconds: number): void {
  if (!on) return;
  graphqlChild(`${type}\n${name}\n${outcome}`).observe(seconds);
}

export function observeRest(operation: string, status: number, seconds: number): void {
  if (!on) return;
  restChild(`${operation}\n${status}`).observe(seconds);
}

/** `startedMs`: performance.now() when the statement was sent. */
export function observeStatement(dialect: Dialect, startedMs: number): void {
  if (!on) return;
  statementChild[dialect].observe((performance.now() - startedMs) / 1000);
}

export function observeTransaction(dialect: Dialect, startedMs: number, committed: boolean): void {
  if (!on) return;
  (committed ? committedChild : rolledBackChild)[dialect].observe((performance.now() - startedMs) / 1000);
}

export function observePoolWait(dialect: Dialect, startedMs: number): void {
  if (!on) return;
  poolWait.labels(dialect).observe((performance.now() - startedMs) / 1000);
}

/** A wait for SQLite's write lock inside this process (the lock Prisma and the fast path share), in ms. */
export function observeLockWait(ms: number): void {
  if (!on) return;
  poolWaitSqlite.observe(ms / 1000);
}

export function countRetry(dialect: Dialect): void {
  if (!on) return;
  transactionRetries.labels(dialect).inc();
}

export function countRateLimited(): void {
  if (!on) return;
  rateLimited.inc();
}

export type Transport = 'sse' | 'websocket';

/** A subscription opened (+1) or ended (-1) on this transport. */
export function countSubscription(transport: Transport, delta: 1 | -1): void {
  if (!on) return;
  openSubscriptions.labels(transport).inc(delta);
}

/** A live change handed to its subscriber: how long after its commit. */
export function observeDelivery(transport: Transport, committedAt: Date): void {
  if (!on) return;
  deliveryLag.labels(transport).observe(Math.max(0, Date.now() - committedAt.getTime()) / 1000);
}
