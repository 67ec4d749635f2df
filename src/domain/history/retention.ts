import { sql } from '../../db/client.ts';
import { badInputAt } from '../../errors.ts';
import { runHourly } from '../../hourly.ts';
import { log } from '../../log.ts';
import type { DecodedCursor } from './cursor.ts';

const dayMs = 86_400_000;

/** ATTRQL_HISTORY_DAYS: how long changes are kept (default 90; 0 keeps them forever). */
export function historyDays(): number {
  const raw = process.env.ATTRQL_HISTORY_DAYS?.trim();
  if (!raw) return 90;
  const days = Number(raw);
  if (!Number.isFinite(days) || days < 0)
    throw new Error(`ATTRQL_HISTORY_DAYS must be a number of days ≥ 0, not "${raw}".`);
  return days;
}

/** The oldest moment still kept, or null when nothing is pruned. */
export function retainedSince(now = Date.now()): Date | null {
  const days = historyDays();
  return days === 0 ? null : new Date(now - days * dayMs);
}

/** An `after` cursor must not point before the retention: what followed it may be gone (BAD_USER_INPUT). */
export function requireRetained(cursor: DecodedCursor, path: string[]): void {
  const since = retainedSince();
  if (since && cursor.at < since) {
    throw badInputAt(path, `points to a change older than the history kept (${historyDays()} days); start without it`);
  }
}

const batchSize = 1000;
// Looks at the oldest rows only (by id, which follows time closely), so each batch is a short, bounded statement.
const pruneBatch = `DELETE FROM "PersonChange" WHERE "id" IN (
  SELECT "id" FROM (SELECT "id", "at" FROM "PersonChange" ORDER BY "id" LIMIT ${batchSize}) oldest WHERE "at" < $1)`;

/** Prunes within a minute of the start and then hourly (see runHourly), until the returned stop. */
export function pruneHistoryPeriodically(): () => void {
  const prune = () =>
    void pruneHistory().catch((error: Error) => log('could not prune the change history', { error: error.message }));
  return runHourly(prune, 10_000, 60_000);
}

/**
 * Deletes changes older than the retention, a bounded batch per statement, yielding between batches, so no lock
 * is held for long. Returns how many were deleted.
 */
export async function pruneHistory(now = Date.now()): Promise<number> {
  const since = retainedSince(now);
  if (!since) return 0;
  let total = 0;
  for (;;) {
    const deleted = await sql.run(pruneBatch, [since]);
    total += deleted;
    if (deleted < batchSize) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (total) log('pruned the change history', { deleted: total, before: since.toISOString() });
  return total;
}
