import { serviceUnavailable } from '../errors.ts';
import { countRetry } from '../observability/metrics.ts';
import { db, type Tx } from './client.ts';
import { databaseTimeoutMs } from './config.ts';
import { isRetryableConflict } from './errors.ts';
import { conflictMessage } from './sql/postgres-client.ts';

const maxAttempts = 4;

/**
 * Runs `fn` in one Prisma transaction: everything it writes lands together or not at all. On SQLite the
 * transaction holds the write lock from its first statement (see sqlite-serialized-adapter.ts); on PostgreSQL,
 * writers of the same person take turns on the person's writer lock, which every write takes first
 * (domain/persons/person-lock.ts); a deadlock or serialization failure is retried a few times, then answered
 * SERVICE_UNAVAILABLE.
 * Hot paths use `sql.transaction` (sql/) instead, which is the same thing without Prisma's engine.
 */
export async function transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.$transaction(fn, { maxWait: databaseTimeoutMs, timeout: databaseTimeoutMs * 2 });
    } catch (error) {
      // A PostgreSQL deadlock or serialization failure undid the whole transaction: run it again.
      if (!isRetryableConflict(error)) throw error;
      if (attempt >= maxAttempts) throw serviceUnavailable(conflictMessage);
      countRetry('postgresql'); // only PostgreSQL reports deadlocks and serialization failures
    }
  }
}

/** Thrown inside a transaction to undo everything it did and answer `value` instead. */
export class RollBack<T> extends Error {
  constructor(readonly value: T) {
    super('transaction rolled back on purpose');
  }
}

/** Runs a transaction whose function may end with `throw new RollBack(value)` when it found nothing to change. */
export async function orRollBack<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RollBack) return error.value as T;
    throw error;
  }
}
