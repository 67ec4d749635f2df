/**
 * Group commit for SQLite: transactions that queue up while one is running share one BEGIN … COMMIT, each in a
 * savepoint of its own, so a request's failure is still only its own. SQLite has one writer at a time anyway; what
 * grouping saves is the per-commit work: the WAL frames of pages that every write touches (the tails of the change
 * log and its indexes, a bucket's rows) are written once per group instead of once per transaction, and so are the
 * commit and checkpoint work. Nobody answers before the shared COMMIT: a member's result and its afterCommit
 * callbacks are released only once the whole group is durable.
 */

/** What the group needs from the connection; every call runs a statement at once. */
export interface GroupConnection {
  /** BEGIN IMMEDIATE, holding the process's lock; resolves with the function that releases the lock. */
  begin(): Promise<() => void>;
  run(statement: 'COMMIT' | 'ROLLBACK' | 'SAVEPOINT member' | 'RELEASE member' | 'ROLLBACK TO member'): void;
  /** False once SQLite has rolled the whole transaction back on its own (a full disk, an I/O error). */
  inTransaction(): boolean;
}

interface Member {
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface Done {
  member: Member;
  result: unknown;
  callbacks: (() => void)[];
}

/** Transactions per group at most: bounds how long one group holds the write lock (each takes ~0.1 ms). */
export const maxGroupSize = 32;

export class GroupCommit {
  private readonly queue: Member[] = [];
  private draining = false;
  /** The afterCommit callbacks of the member running now. */
  private callbacks: (() => void)[] = [];

  constructor(private readonly connection: GroupConnection) {}

  /** Registers `callback` to run once the running member's group has committed. */
  afterCommit(callback: () => void): void {
    this.callbacks.push(callback);
  }

  /** Runs `fn` in a transaction, with whatever other transactions are waiting when its group begins. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) await this.runGroup();
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(): Promise<void> {
    let release: () => void;
    const waiting = this.queue.length;
    try {
      release = await this.connection.begin();
    } catch (error) {
      // Another process held the write lock for the whole database timeout: what waited all along fails.
      for (const member of this.queue.splice(0, waiting)) member.reject(error);
      return;
    }
    const done: Done[] = [];
    try {
      while (this.queue.length > 0 && done.length < maxGroupSize) {
        const outcome = await this.runMember(this.queue.shift() as Member, done.length === 0);
        if (outcome === 'ended') {
          // The transaction is gone: the first member failed (rolled back whole, as a lone transaction is), or
          // SQLite ended it on its own and the members before lost their writes. Those run again (as PostgreSQL's
          // retried transactions do) in the next group.
          this.queue.unshift(...done.splice(0).map((d) => d.member));
          return;
        }
        if (outcome) done.push(outcome);
      }
      this.connection.run('COMMIT');
    } catch (error) {
      for (const d of done.splice(0)) d.member.reject(error);
    } finally {
      if (this.connection.inTransaction()) this.connection.run('ROLLBACK');
      release();
    }
    for (const { member, result, callbacks } of done) {
      for (const callback of callbacks) callback();
      member.resolve(result);
    }
  }

  /**
   * The first member of a group runs without a savepoint (nothing else is in the transaction yet), later ones in
   * a savepoint each. Resolves with what to release after the commit; null when the member failed and its
   * savepoint was rolled back; 'ended' when the transaction is no longer open.
   */
  private async runMember(member: Member, first: boolean): Promise<Done | null | 'ended'> {
    this.callbacks = [];
    try {
      if (!first) this.connection.run('SAVEPOINT member');
      const result = await member.fn();
      if (!first) this.connection.run('RELEASE member');
      return { member, result, callbacks: this.callbacks };
    } catch (error) {
      member.reject(error);
      if (first || !this.connection.inTransaction()) return 'ended';
      this.connection.run('ROLLBACK TO member');
      this.connection.run('RELEASE member');
      return null;
    }
  }
}
