import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Mutex } from '../src/db/mutex.ts';
import { SqliteClient } from '../src/db/sql/sqlite-client.ts';
import { maxGroupSize } from '../src/db/sql/sqlite-group-commit.ts';
import { statementCounter } from '../src/db/statement-counter.ts';

// The SQLite client's group commit on a real file, in either pass: transactions that wait while one runs share
// one BEGIN … COMMIT, and each one's failure stays its own.
let folder: string;
let database: Database.Database;
let other: Database.Database;
let client: SqliteClient;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'attrql-group-commit-'));
  database = new Database(join(folder, 'group.db'));
  database.pragma('journal_mode = WAL');
  database.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  other = new Database(join(folder, 'group.db'), { readonly: true });
  client = new SqliteClient(database, new Mutex());
});

afterEach(() => {
  other.close();
  database.close();
  rmSync(folder, { recursive: true, force: true });
});

const insert = 'INSERT INTO t (k, v) VALUES ($1, $2)';
const keys = () => (other.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((row) => row.k);
const name = (i: number) => `k${String(i).padStart(3, '0')}`;

describe('SQLite group commit', () => {
  it('commits concurrent transactions together, each result only once it is committed', async () => {
    const n = 40;
    const committed: string[] = [];
    const { count, statements } = await statementCounter.measure(() =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          client
            .transaction(async (tx) => {
              await tx.run(insert, [name(i), i]);
              tx.afterCommit(() => committed.push(name(i)));
              return name(i);
            })
            // Visible to another connection by the time the caller hears of it.
            .then((key) => expect(keys()).toContain(key)),
        ),
      ),
    );
    expect(keys()).toEqual(Array.from({ length: n }, (_, i) => name(i)));
    expect(committed).toEqual(keys());
    const begins = statements.filter((s) => s === 'BEGIN IMMEDIATE').length;
    // All of them are waiting when the first group begins: groups of at most 32.
    expect(begins).toBe(Math.ceil(n / maxGroupSize));
    expect(statements.filter((s) => s === 'COMMIT')).toHaveLength(begins);
    expect(count).toBe(n + 2 * begins + 2 * (n - begins));
  });

  it('rolls back only the failing member of a group: the others commit, its afterCommit never runs', async () => {
    const calls: string[] = [];
    const outcomes = await Promise.allSettled(
      [0, 1, 2, 3].map((i) =>
        client.transaction(async (tx) => {
          await tx.run(insert, [name(i), i]);
          tx.afterCommit(() => calls.push(name(i)));
          if (i === 0 || i === 2) throw new Error(`member ${i} fails`);
          return i;
        }),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason.message).toBe('member 2 fails');
    expect(keys()).toEqual([name(1), name(3)]);
    expect(calls).toEqual([name(1), name(3)]);
  });

  it('runs the earlier members again when SQLite ends the whole transaction under a later one', async () => {
    let runs = 0;
    const outcomes = await Promise.allSettled([
      client.transaction(async (tx) => {
        await tx.run(insert, [name(0), 0]);
      }),
      client.transaction(async (tx) => {
        runs += 1;
        await tx.run(insert, [name(1), 1]);
      }),
      client.transaction(async (tx) => {
        // What a full disk or an I/O error does: the transaction is gone, savepoints and all.
        await tx.run('ROLLBACK');
        throw new Error('transaction lost');
      }),
      client.transaction(async (tx) => {
        await tx.run(insert, [name(3), 3]);
      }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toBe(2);
    expect(keys()).toEqual([name(0), name(1), name(3)]);
  });

  it('answers every member with the error when the shared COMMIT fails, and writes nothing', async () => {
    database.exec('CREATE TABLE parent (k TEXT PRIMARY KEY)');
    database.exec('CREATE TABLE child (k TEXT REFERENCES parent (k) DEFERRABLE INITIALLY DEFERRED)');
    database.pragma('foreign_keys = ON');
    const outcomes = await Promise.allSettled([
      client.transaction(async (tx) => void (await tx.run(insert, [name(0), 0]))),
      client.transaction(async (tx) => void (await tx.run(insert, [name(1), 1]))),
      // A deferred foreign key is checked at COMMIT only: this member's savepoint releases fine.
      client.transaction(async (tx) => void (await tx.run('INSERT INTO child (k) VALUES ($1)', ['nobody']))),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    expect(keys()).toEqual([]);
    expect(database.inTransaction).toBe(false);
    // The client goes on working.
    await client.transaction(async (tx) => void (await tx.run(insert, [name(9), 9])));
    expect(keys()).toEqual([name(9)]);
  });
});
