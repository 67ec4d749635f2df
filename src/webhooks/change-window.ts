import type { ChangePosition, PersonChange } from '../domain/history/change.ts';
import { hiddenValueIds } from './delivery-store.ts';

/** Changes kept at most per organization; an endpoint further behind reads the log itself (delivery-store.ts). */
const maxKept = 5000;

interface Kept {
  change: PersonChange;
  /** Counts every change pushed into this window, so workers can say how far they got without a position lookup. */
  seq: number;
}

const positionKey = (position: ChangePosition) => `${position.txid}:${position.id}`;

/**
 * An organization's latest changes as the live feed handed them on (every one of its changes, in log order, with
 * no gap: the feed reads the log once for every subscriber of this instance). An endpoint worker whose position is
 * one of these changes takes the ones after it from here instead of reading the log again: with ten endpoints that
 * is one read of each change instead of ten (and on PostgreSQL none of the log reads' lock-table bound). Anything
 * older, or a position the window never saw (a replay's cursor, a worker just started), is read from the log.
 */
export class ChangeWindow {
  private readonly kept: Kept[] = [];
  private head = 0;
  private pushed = 0;
  private readonly seqOf = new Map<string, number>();
  /** Workers' progress (the seq of the last change each looked at), so what all of them passed can be dropped. */
  private readonly progress = new Map<object, number>();
  /** The read of the hidden user attributes under way, and the seq of the last change pushed before it started. */
  private hidden: { after: number; ids: Promise<Set<string>> } | null = null;

  constructor(readonly orgId: string) {}

  push(change: PersonChange): void {
    this.pushed += 1;
    this.kept.push({ change, seq: this.pushed });
    this.seqOf.set(positionKey(change.position), this.pushed);
    if (this.kept.length - this.head > maxKept) this.dropUpTo(this.pushed - maxKept);
  }

  /**
   * The changes after `position`, at most `limit`, when `position` is a change in the window (an empty list: none
   * after it yet; the feed wakes the worker when one comes); null when the window cannot tell (read the log).
   */
  after(position: ChangePosition, limit: number): { changes: PersonChange[]; lastSeq: number } | null {
    const seq = this.seqOf.get(positionKey(position));
    if (seq === undefined) return null;
    const first = this.indexOf(seq) + 1;
    const slice = this.kept.slice(first, first + limit);
    return { changes: slice.map((kept) => kept.change), lastSeq: slice.at(-1)?.seq ?? seq };
  }

  /** The latest change in the window (the one the feed handed on last), or null when none came yet. */
  latest(): { position: ChangePosition; seq: number } | null {
    const last = this.kept.at(-1);
    return last && this.kept.length > this.head ? { position: last.change.position, seq: last.seq } : null;
  }

  /** A worker looked at every change up to `seq`: the window may drop what every worker has passed. */
  passed(worker: object, seq: number): void {
    this.progress.set(worker, seq);
    let slowest = Number.POSITIVE_INFINITY;
    for (const done of this.progress.values()) slowest = Math.min(slowest, done);
    // The change a worker stands on is kept: its position is where the worker looks next.
    if (slowest - 1 - (this.kept[this.head]?.seq ?? slowest) >= 256) this.dropUpTo(slowest - 1);
  }

  /** The worker stopped: it holds nothing back any more. */
  forget(worker: object): void {
    this.progress.delete(worker);
  }

  /**
   * The user attributes whose values nobody sees, read after the change `seq` reached this window, as a worker
   * reading the log reads them after its changes. Endpoints woken by the same changes fill together and share one
   * read while it is under way; a finished read is not reused, so an attribute hidden since is hidden in the next.
   */
  hiddenValueIds(seq: number): Promise<Set<string>> {
    if (!this.hidden || this.hidden.after < seq) {
      const ids = hiddenValueIds(this.orgId);
      const read = { after: this.pushed, ids };
      this.hidden = read;
      const done = () => {
        if (this.hidden === read) this.hidden = null;
      };
      ids.then(done, done);
    }
    return this.hidden.ids;
  }

  private indexOf(seq: number): number {
    return this.head + (seq - (this.kept[this.head]?.seq ?? seq));
  }

  private dropUpTo(seq: number): void {
    while (this.head < this.kept.length && (this.kept[this.head] as Kept).seq <= seq) {
      this.seqOf.delete(positionKey((this.kept[this.head] as Kept).change.position));
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.kept.length) {
      this.kept.splice(0, this.head);
      this.head = 0;
    }
  }
}
