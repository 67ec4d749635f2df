import { sql } from '../db/client.ts';
import type { ChangePosition, PersonChange } from '../domain/history/change.ts';
import { currentPosition, type FeedBatch, readFeed } from '../domain/history/read.ts';
import { changeChannel, notifiedOrgs, onChangeRecorded } from '../domain/history/record.ts';
import { log } from '../log.ts';
import { SubscriberIndex } from './subscriber-index.ts';
import type { SubscriberQueue } from './subscriber-queue.ts';

const batchSize = 500;
/** SQLite: how often to ask whether another process committed (PRAGMA data_version; microseconds each). */
const sqlitePollMs = 100;
/** PostgreSQL: how soon to look again when committed changes wait for an older transaction to end. */
const settlePollMs = 50;
const retryMs = 1000;
/**
 * At least this long between the starts of two reads of the log. Under steady writes every commit wakes the feed;
 * reading on each would cost the database a statement per write. Waiting a little reads a burst in one go.
 */
const readEveryMs = 25;
/**
 * PostgreSQL: how long the same transaction may stay the oldest running one before the feed reads past other
 * databases' transactions (a costlier read: it reads pg_locks, which briefly holds up every backend's locking).
 * Under steady writes the oldest transaction changes every few milliseconds and the plain read keeps up.
 */
const stuckMs = 200;
/**
 * PostgreSQL: a writer that crashed between its commit and its NOTIFY sends no wake-up; reading this often anyway
 * bounds how late such a change can be (an indexed read that finds nothing, otherwise).
 */
const safetyPollMs = 1000;

/**
 * One instance's reader of the change log, shared by all its subscribers: it reads every organization's new
 * changes once, in log order, and hands each to the subscribers it concerns (found by organization and person,
 * so the cost of a change follows its own subscribers, not everyone's). It wakes on a PostgreSQL NOTIFY (sent after
 * a commit by any instance, naming the organizations written), on this process's own writes, and on SQLite when
 * another process committed; a write of an organization without subscribers here wakes nothing, so one
 * organization's subscribers cost other organizations' writes nothing (issue 23). The log is all it reads: a
 * wake-up carries no change.
 */
export class ChangeFeed {
  private readonly subscribers = new SubscriberIndex();
  private position: ChangePosition | null = null;
  /** Counts restarts: a read under way when the position was moved must not move it back. */
  private epoch = 0;
  private starting: Promise<void> | null = null;
  private restarting: Promise<void> | null = null;
  /** SQLite: PRAGMA data_version when the log was last known to be read up to date (see restart). */
  private dataVersion: unknown = null;
  private stopWatching: (() => Promise<void>) | null = null;
  private reading = false;
  private readAgain = false;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private readTimer: NodeJS.Timeout | null = null;
  /**
   * PostgreSQL: the oldest running transaction at the last read, when a read first and last saw it the oldest, and
   * whether changes were waiting for it then.
   */
  private oldest: { xmin: string; since: number; seen: number; waiting: boolean } | null = null;
  /**
   * PostgreSQL: a change that concerns a subscriber here committed (it woke the feed) and may not have been read
   * yet: 'woken' until a read pins it down, then the xmax of that read's snapshot (the change's transaction is below
   * it), until a read's bound passes that. Only meanwhile do reads that find changes waiting look again soon: changes
   * of organizations without subscribers here keep nobody waiting, and under their steady writes some nearly always
   * wait.
   */
  private owed: 'woken' | bigint | null = null;

  /**
   * Starts handing changes committed from now on to `queue`. Resolves with the position the subscriber starts after
   * when the feed may already have handed on changes after it: null, or when the feed may be behind for the
   * queue's organization (another organization's subscribers kept it reading, but not for this one), the end of
   * the log now. Changes up to that position committed before the subscription and are to be skipped.
   */
  async add(queue: SubscriberQueue): Promise<ChangePosition | null> {
    this.starting ??= this.watch().catch((error) => {
      this.starting = null;
      throw error;
    });
    await this.starting;
    // Nobody was listening (or this is the first subscriber), so nothing was read for a while: start from now, not
    // from where reading stopped. Subscribers arriving together share one restart, so none starts after another's
    // position and misses what lies between.
    const restarted = this.subscribers.size === 0;
    if (restarted) {
      this.restarting ??= this.restart().finally(() => {
        this.restarting = null;
      });
      await this.restarting;
    }
    const behind = !restarted && !this.subscribers.has(queue.orgId);
    this.subscribers.add(queue);
    // A wake-up between the restart and now found no subscriber and read nothing: read once now.
    if (restarted) this.wakeFor();
    // Taken after the queue was added: whatever the feed reads from now on reaches it, and what it reads that
    // committed before (txid below the end taken now) is skipped by the subscriber.
    return behind ? await currentPosition() : null;
  }

  /**
   * Moves the position to the end of the log. On SQLite the watcher's baseline (PRAGMA data_version) is taken
   * first: a commit by another process after it is noticed by the next poll, so none can fall between the position
   * and the baseline. Taken after the position (or at the first poll), such a commit would be the baseline itself
   * and wake nobody until the next write.
   */
  private async restart(): Promise<void> {
    this.epoch += 1;
    if (!sql.listen) this.dataVersion = await readDataVersion();
    this.position = await currentPosition();
  }

  remove(queue: SubscriberQueue): void {
    this.subscribers.remove(queue);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /**
   * Reads the log soon, for a change that may concern a subscriber here: until a read finds nothing committed
   * waiting behind an older transaction, the feed keeps looking (see read).
   */
  private wakeFor = (): void => {
    this.owed = 'woken';
    this.wake();
  };

  /** Reads the log soon: now, or after the read under way, or once `readEveryMs` has passed since the last one. */
  wake = (): void => {
    if (!this.position || this.subscribers.size === 0) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    if (this.readTimer) return;
    const wait = this.lastReadAt + readEveryMs - performance.now();
    if (wait > 0) {
      this.readTimer = setTimeout(() => {
        this.readTimer = null;
        this.wake();
      }, wait);
      return;
    }
    void this.read();
  };

  /**
   * A change of `orgId` this process just committed. On SQLite, where ids follow commit order, the change right after
   * the last one handed on is handed on as it is, without reading it back; anything else means another process wrote
   * in between (or a read is under way): then the log is read, if a subscriber here follows the organization.
   */
  private committedHere = (orgId: string, change?: PersonChange): void => {
    const position = this.position;
    const next = change && position && !this.reading && BigInt(change.position.id) === BigInt(position.id) + 1n;
    if (!next || this.subscribers.size === 0) {
      if (this.subscribers.has(orgId)) this.wakeFor();
      return;
    }
    this.subscribers.deliver(change);
    this.position = change.position;
  };

  private async watch(): Promise<void> {
    const stopLocal = onChangeRecorded(this.committedHere);
    if (sql.listen) {
      const stopListening = await this.listen();
      const poll = setInterval(this.wake, safetyPollMs);
      poll.unref();
      this.stopWatching = async () => {
        stopLocal();
        clearInterval(poll);
        await stopListening();
      };
      return;
    }
    // Another process committed since the baseline (taken with the position, see restart): read the log.
    const poll = setInterval(async () => {
      if (this.subscribers.size === 0) return;
      try {
        const version = await readDataVersion();
        if (version === this.dataVersion) return;
        this.dataVersion = version;
        this.wake();
      } catch {
        // The database is unreachable: the next poll tries again.
      }
    }, sqlitePollMs);
    poll.unref();
    this.stopWatching = async () => {
      stopLocal();
      clearInterval(poll);
    };
  }

  /** LISTEN on a connection of its own; when it is lost, listen again and catch up with what was missed. */
  private async listen(): Promise<() => Promise<void>> {
    let stopped = false;
    let stop: () => Promise<void> = async () => {};
    const connect = async (): Promise<void> => {
      try {
        stop = await (sql.listen as NonNullable<typeof sql.listen>)(changeChannel, this.notified, (error) => {
          log('change feed lost its database connection; listening again', { error: error.message });
          if (!stopped) setTimeout(connect, retryMs).unref();
        });
        this.wakeFor();
      } catch (error) {
        if (stopped) return;
        log('change feed could not listen; retrying', { error: (error as Error).message });
        setTimeout(connect, retryMs).unref();
      }
    };
    await connect();
    return async () => {
      stopped = true;
      await stop();
    };
  }

  /** A NOTIFY: read when it names an organization with subscribers here, or names none (any may have written). */
  private notified = (payload: string): void => {
    const orgs = notifiedOrgs(payload);
    if (!orgs || orgs.some((orgId) => this.subscribers.has(orgId))) this.wakeFor();
  };

  private async read(): Promise<void> {
    const epoch = this.epoch;
    this.reading = true;
    this.readAgain = false;
    this.lastReadAt = performance.now();
    const owed = this.owed;
    this.owed = null;
    try {
      const oldest = this.oldest;
      const pastOtherDatabases = oldest?.waiting === true && oldest.seen - oldest.since >= stuckMs;
      let batch: FeedBatch;
      do {
        batch = await readFeed(this.position as ChangePosition, batchSize, this.concerns, pastOtherDatabases);
        // Restarted meanwhile (every subscriber had left): what this read found is older than the new position,
        // which is read next instead.
        if (epoch !== this.epoch) {
          this.readAgain = true;
          this.owed ??= owed;
          return;
        }
        for (const change of batch.changes) this.subscribers.deliver(change);
        if (batch.end) this.position = batch.end;
      } while (batch.read === batchSize);
      const { xmin, waiting } = batch;
      const since = oldest?.xmin === xmin ? oldest.since : this.lastReadAt;
      this.oldest = { xmin, since, seen: this.lastReadAt, waiting };
      // What is owed is read once nothing committed waits, or once the bound passed it.
      const stillOwed = owed === 'woken' ? batch.xmax : owed;
      if (waiting && stillOwed !== null && batch.bound < stillOwed) this.owed ??= stillOwed;
      if (waiting && this.owed !== null) setTimeout(this.wake, settlePollMs).unref();
    } catch (error) {
      log('change feed could not read the log; retrying', { error: (error as Error).message });
      this.owed ??= owed;
      setTimeout(this.wake, retryMs).unref();
    } finally {
      this.reading = false;
      if (this.readAgain) this.wake();
    }
  }

  /** Whether a change of `orgId` is for anyone here (the others' are read past, not decoded). */
  private concerns = (orgId: string): boolean => this.subscribers.has(orgId);

  /** Ends every subscription (at shutdown): each is told to resume elsewhere, and its response completes. */
  closeSubscriptions(): void {
    for (const queue of this.subscribers) queue.close();
  }

  /** Stops watching (at shutdown, before the database closes). */
  async stop(): Promise<void> {
    const stop = this.stopWatching;
    this.stopWatching = null;
    this.starting = null;
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = null;
    this.position = null;
    this.epoch += 1;
    await stop?.();
  }
}

/** SQLite: changes whenever another connection (another process) committed to the database. */
async function readDataVersion(): Promise<unknown> {
  const [row] = await sql.all('PRAGMA data_version');
  return row?.data_version;
}

/** This process's feed. */
export const changeFeed = new ChangeFeed();
