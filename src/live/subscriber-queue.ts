import type { PersonChange } from '../domain/history/change.ts';
import type { AppError } from '../errors.ts';

/** A subscriber more than this many changes behind is cut off (CONTRACT §10); it resumes with its last cursor. */
export const maxBacklog = 10_000;

/**
 * The changes the feed hands one subscriber, waiting to be sent. The feed pushes without waiting; the subscriber
 * takes at its own pace. Past `maxBacklog` the queue overflows: it is emptied and stays overflowed.
 */
export class SubscriberQueue {
  private readonly changes: PersonChange[] = [];
  private head = 0;
  private waiting: (() => void) | null = null;
  overflowed = false;
  /** Set when the instance shuts down: the subscriber is told and ends. */
  closed = false;

  /** The feed hands this queue the changes of `orgId` (of `personId` only, unless null). */
  constructor(
    readonly orgId: string,
    readonly personId: string | null,
  ) {}

  push(change: PersonChange): void {
    if (this.overflowed) return;
    if (this.changes.length - this.head >= maxBacklog) {
      this.overflowed = true;
      this.changes.length = 0;
      this.head = 0;
    } else {
      this.changes.push(change);
    }
    this.waiting?.();
  }

  /** Set when the subscriber went away (the client disconnected or unsubscribed). */
  cancelled = false;

  close(): void {
    this.closed = true;
    this.waiting?.();
  }

  cancel(): void {
    this.cancelled = true;
    this.waiting?.();
  }

  /** Set when the subscriber's credential stopped working: the subscriber is told why and ends. */
  ended: AppError | null = null;

  end(error: AppError): void {
    this.ended = error;
    this.waiting?.();
  }

  /**
   * The next change, or null when the queue overflowed, closed, was cancelled or ended, or when none arrived within
   * `timeoutMs`. Without a timeout it waits as long as that takes, with no timer: an idle subscriber costs nothing.
   */
  async take(timeoutMs?: number): Promise<PersonChange | null> {
    if (this.head === this.changes.length && !this.overflowed && !this.closed && !this.cancelled && !this.ended) {
      await new Promise<void>((resolve) => {
        const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
        const self = this;
        function done() {
          clearTimeout(timer);
          self.waiting = null;
          resolve();
        }
        this.waiting = done;
      });
    }
    if (this.overflowed || this.closed || this.cancelled || this.ended || this.head === this.changes.length) {
      return null;
    }
    const change = this.changes[this.head++] as PersonChange;
    if (this.head > 1024 && this.head * 2 > this.changes.length) {
      this.changes.splice(0, this.head);
      this.head = 0;
    }
    return change;
  }
}
