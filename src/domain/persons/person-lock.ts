import type { Dialect } from '../../db/sql/sql-client.ts';

/**
 * PostgreSQL: the writers of one person take turns on a transaction-scoped advisory lock keyed by the person, taken
 * by the first write statement of their transaction before it writes anything.
 *
 * Why: the change log is ordered by transaction id (read.ts), and PostgreSQL gives a transaction its id at its first
 * write. The person's row lock alone is taken by that same write, after the id: two writers queued on the row can
 * therefore hold ids in the opposite order of their turns, and the person's history would not replay (a change's
 * `before` not being the previous change's `after`). Waiting for the advisory lock needs no transaction id, so the
 * writer that gets its turn later also gets the higher id: for one person, log order is the order the writes took
 * effect. The lock is transaction-scoped (released at commit or rollback; safe behind transaction pooling), and a
 * hash collision between two persons only makes them take turns.
 *
 * `personLocked(d, org, person)` wraps a statement (`$n` placeholders or SQL expressions for the organization and the
 * person): a MATERIALIZED CTE that takes the lock, and a condition on it for the statement's WHERE. The condition
 * has no reference to the statement's rows, so PostgreSQL evaluates it once, as a one-time filter before the scan
 * (EXPLAIN: "One-Time Filter"), whether or not the person exists. SQLite needs nothing: a transaction holds the
 * database's write lock from its first statement.
 */
export function personLocked(dialect: Dialect, org: string, person: string): { with: string; when: string } {
  if (dialect === 'sqlite') return { with: '', when: 'true' };
  return {
    with: `WITH "personLock" AS MATERIALIZED (SELECT pg_advisory_xact_lock(${personLockKey(org, person)}))`,
    when: 'EXISTS (SELECT FROM "personLock")',
  };
}

/** The advisory lock key of a person (PostgreSQL). */
export const personLockKey = (org: string, person: string): string =>
  `hashtextextended(CAST(${org} AS TEXT) || '/' || CAST(${person} AS TEXT), 0)`;
