import { sql } from '../db/client.ts';
import type { ChangePosition, PersonChange } from '../domain/history/change.ts';
import { changesWaiting, currentPosition, readAllChanges } from '../domain/history/read.ts';
import { changeChannel, onChangeRecorded } from '../domain/history/record.ts';
import { log } from '../log.ts';
import type { SubscriberQueue } from './subscriber-queue.ts';

const batchSize = 500;
/** SQLite: how often to ask whether another process committed (PRAGMA data_version; microseconds each). */
const sqlitePollMs = 100;
/** PostgreSQL: how soon to look again when committed changes wait for an older transaction to end. */
const settlePollMs = 50;
const retryMs = 1000;
/**
 * PostgreSQL: a writer that crashed between its commit and its NOTIFY sends no wake-up; reading this often anyway
 * bounds how late such a change can be (an indexed read that finds nothing, otherwise).
 */
const safetyPollMs = 1000;

/**
 * One instance's reader of the change log, shared by all its subscribers: it reads every organization's new
 * changes once, in log order, and hands each to the subscribers it concerns. It wakes on a PostgreSQL NOTIFY
 * (sent by the writing statement, delivered at commit, from any instance), on this process's own writes, and on
 * SQLite when another process committed. The log is all it reads: a wake-up carries nothing.
 */
export class ChangeFeed {
  private readonly subscribers = new Set<SubscriberQueue>();
  private position: ChangePosition | null = null;
  private starting: Promise<void> | null = null;
  private stopWatching: (() => Promise<void>) | null = null;
  private reading = false;
  private readAgain = false;
  /** Changes were left waiting for an older transaction: look past other databases' transactions next time. */
  private waited = false;

  /** Starts handing changes committed from now on to `queue`. */
  async add(queue: SubscriberQueue): Promise<void> {
    this.starting ??= this.start().catch((error) => {
      this.starting = null;
      throw error;
    });
    await this.starting;
    // Nobody was listening, so nothing was read for a while: start from now, not from where reading stopped.
    if (this.subscribers.size === 0) this.position = await currentPosition();
    this.subscribers.add(queue);
  }

  remove(queue: SubscriberQueue): void {
    this.subscribers.delete(queue);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Reads the log now (or right after the read under way). */
  wake = (): void => {
    if (!this.position || this.subscribers.size === 0) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    void this.read();
  };

  /**
   * A change this process just committed. On SQLite, where ids follow commit order, the change right after the
   * last one handed on is handed on as it is, without reading it back; anything else means another process wrote
   * in between (or a read is under way): then the log is read.
   */
  private committedHere = (change?: PersonChange): void => {
    const position = this.position;
    const next = change && position && !this.reading && BigInt(change.position.id) === BigInt(position.id) + 1n;
    if (!next || this.subscribers.size === 0) {
      this.wake();
      return;
    }
    for (const queue of this.subscribers) queue.push(change);
    this.position = change.position;
  };

  private async start(): Promise<void> {
    this.position = await currentPosition();
    await this.watch();
  }

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
    let version: unknown = null;
    const poll = setInterval(async () => {
      if (this.subscribers.size === 0) return;
      try {
        const [row] = await sql.all('PRAGMA data_version');
        if (version !== null && row?.data_version !== version) this.wake();
        version = row?.data_version;
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
        stop = await (sql.listen as NonNullable<typeof sql.listen>)(changeChannel, this.wake, (error) => {
          log('change feed lost its database connection; listening again', { error: error.message });
          if (!stopped) setTimeout(connect, retryMs).unref();
        });
        this.wake();
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

  private async read(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        let changes: PersonChange[];
        do {
          changes = await readAllChanges(this.position as ChangePosition, batchSize, this.waited);
          for (const change of changes) {
            for (const queue of this.subscribers) queue.push(change);
            this.position = change.position;
          }
        } while (changes.length === batchSize);
        this.waited = await changesWaiting(this.position as ChangePosition);
        if (this.waited) setTimeout(this.wake, settlePollMs).unref();
      } while (this.readAgain);
    } catch (error) {
      log('change feed could not read the log; retrying', { error: (error as Error).message });
      setTimeout(this.wake, retryMs).unref();
    } finally {
      this.reading = false;
    }
  }

  /** Ends every subscription (at shutdown): each is told to resume elsewhere, and its response completes. */
  closeSubscriptions(): void {
    for (const queue of this.subscribers) queue.close();
  }

  /** Stops watching (at shutdown, before the database closes). */
  async stop(): Promise<void> {
    const stop = this.stopWatching;
    this.stopWatching = null;
    this.starting = null;
    this.position = null;
    await stop?.();
  }
}

/** This process's feed. */
export const changeFeed = new ChangeFeed();
