import { AsyncLocalStorage } from 'node:async_hooks';
import { BoundedCache } from '../bounded-cache.ts';
import { countRead } from '../observability/replica-metrics.ts';
import { isDatabaseUnavailable } from './errors.ts';
import type { ReplicaSet } from './replicas.ts';
import type { Row, SqlClient, SqlParam, Statement } from './sql/sql-client.ts';

/** The header of CONTRACT §12: a write's WAL position, opaque to clients. */
export const readAfterHeader = 'attrql-read-after';

/** What a read-only request needs of a replica: at least this WAL position (null: any healthy one will do). */
interface ReadScope {
  minLsn: bigint | null;
}
const readScope = new AsyncLocalStorage<ReadScope>();

const tokenPrefix = 'v1:';
export function encodeReadAfter(lsn: bigint): string {
  return Buffer.from(`${tokenPrefix}${lsn.toString(16)}`).toString('base64url');
}

/** The position a token names; undefined when it is not one of ours (such a request reads from the primary). */
export function decodeReadAfter(token: string): bigint | undefined {
  const text = Buffer.from(token, 'base64url').toString();
  if (!text.startsWith(tokenPrefix) || !/^[0-9a-f]{1,16}$/.test(text.slice(tokenPrefix.length))) return undefined;
  return BigInt(`0x${text.slice(tokenPrefix.length)}`);
}

/** Statements a replica may refuse that the primary answers: recovery conflicts, a replica gone or restarting. */
const replicaTrouble = (error: unknown) =>
  isDatabaseUnavailable(error) || ['40001', '57P04', '25006'].includes((error as { code?: string })?.code ?? '');

/**
 * Routes the fast path's plain reads (`all` outside a transaction) of read-only requests to a replica that is fresh
 * enough (CONTRACT §12); everything else (writes, transactions, reads that decide a write, LISTEN/NOTIFY, reads of
 * requests not marked read-only) stays on the primary. Read-your-writes: each credential's last write on this
 * instance, and the token a request sends, name the WAL position its reads must see.
 */
export class ReadRouter {
  /** Per credential: the WAL position of its last write through this instance. */
  private readonly lastWrites = new BoundedCache<bigint>(100_000, 32 * 1024 * 1024);

  constructor(
    private readonly replicas: ReplicaSet,
    /** The primary's WAL position now (after a write's commit: at or past its commit record). */
    private readonly walPosition: () => Promise<bigint>,
  ) {}

  /** Runs a read-only request's work so that its reads may be served by a replica. */
  readOnly<T>(credential: string | null, token: string | null, fn: () => Promise<T>): Promise<T> {
    // Without replicas every read is the primary's: no scope to enter (an AsyncLocalStorage scope per request costs
    // ~10% of a person read's CPU on Node 20, measured with bench scenario 12's set-up).
    if (!this.replicas.configured) return fn();
    let minLsn = credential === null ? undefined : this.lastWrites.get(credential);
    if (token !== null) {
      const named = decodeReadAfter(token);
      if (named === undefined) return fn(); // not a token of ours: the primary is always fresh enough
      if (minLsn === undefined || named > minLsn) minLsn = named;
    }
    return readScope.run({ minLsn: minLsn ?? null }, fn);
  }

  /** The WAL position query of the writes that finished in this turn of the event loop (null: none asked yet). */
  private nextPosition: Promise<bigint> | null = null;

  /**
   * The primary's WAL position, asked once for every write that finished in the same turn of the event loop: the
   * query starts after all of them have committed, so its answer is at or past each one's commit record. Under load
   * that is one query for several writes instead of one each (a round trip the statement counter does not see).
   */
  private positionAfterCommit(): Promise<bigint> {
    if (this.nextPosition === null) {
      this.nextPosition = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Writes that finish from now on need a query that starts after them: a new batch.
        this.nextPosition = null;
        return this.walPosition();
      });
    }
    return this.nextPosition;
  }

  /** After a write (its commit answered): its token, remembered for the credential's next reads on this instance. */
  async wrote(credential: string | null): Promise<string> {
    const lsn = await this.positionAfterCommit();
    if (credential !== null) {
      const known = this.lastWrites.get(credential);
      if (known === undefined || lsn > known) this.lastWrites.set(credential, lsn);
    }
    return encodeReadAfter(lsn);
  }

  /** The primary's fast path with read-only requests' plain reads sent to a replica. */
  route(primary: SqlClient): SqlClient {
    const all = async <T extends Row>(statement: Statement, params: readonly SqlParam[] = []): Promise<T[]> => {
      const scope = readScope.getStore();
      const replica = scope ? await this.replicas.pick(scope.minLsn) : null;
      if (replica) {
        try {
          const rows = await replica.sql.all<T>(statement, params);
          countRead('replica');
          return rows;
        } catch (error) {
          if (!replicaTrouble(error)) throw error;
          if (isDatabaseUnavailable(error)) replica.lost(error as Error);
        }
      }
      if (scope) countRead('primary');
      return primary.all<T>(statement, params);
    };
    return {
      dialect: primary.dialect,
      all,
      run: (statement, params) => primary.run(statement, params),
      afterCommit: (callback) => primary.afterCommit(callback),
      // A transaction's reads decide its writes: the primary's, outside any read scope.
      transaction: (fn) => readScope.exit(() => primary.transaction(fn)),
      listen: primary.listen && ((...args) => readScope.exit(() => primary.listen?.(...args) as never)),
      notify: primary.notify && ((channel, payload) => primary.notify?.(channel, payload) as Promise<void>),
      close: async () => {
        await this.replicas.close();
        await primary.close();
      },
    };
  }
}
