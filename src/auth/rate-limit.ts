import { sql } from '../db/client.ts';
import { perDialect } from '../db/sql/sql-client.ts';
import { rateLimited } from '../errors.ts';
import { log } from '../log.ts';

const windowMs = 60_000;
/**
 * How often an instance adds its new counts to the shared ones in the database and reads everyone's back. Two
 * intervals (1 s) after a request, every instance on the database counts it.
 */
export const rateLimitSyncMs = 500;

export function rateLimitPerMinute(): number {
  const raw = process.env.ATTRQL_RATE_LIMIT_PER_MINUTE;
  if (raw === undefined || raw === '') return 600;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`ATTRQL_RATE_LIMIT_PER_MINUTE must be a whole number, got "${raw}"`);
  return value;
}

interface Window {
  start: number;
  /** Everyone's count as of the last sync, this instance's flushed operations included. */
  shared: number;
  /** This instance's operations since then. */
  pending: number;
}

// Adds each row's count and returns the totals; rows come as one JSON/array parameter, so one statement text
// serves any number of credentials.
const addCounts = perDialect((d) =>
  d === 'sqlite'
    ? `INSERT INTO "RateLimitWindow" ("credential", "windowStart", "count")
       SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]')
       FROM json_each($1) WHERE true
       ON CONFLICT ("credential", "windowStart") DO UPDATE SET "count" = "RateLimitWindow"."count" + excluded."count"
       RETURNING "credential", "count"`
    : `INSERT INTO "RateLimitWindow" ("credential", "windowStart", "count")
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])
       ON CONFLICT ("credential", "windowStart") DO UPDATE SET "count" = "RateLimitWindow"."count" + excluded."count"
       RETURNING "credential", "count"`,
);
const pruneBefore = 'DELETE FROM "RateLimitWindow" WHERE "windowStart" < $1';

/**
 * Fixed 60 s windows per credential, counted in memory and shared through the database every 500 ms: exact within
 * one instance, and across instances it may overshoot by what reaches the others within one sync. Requests never
 * wait for the database here.
 */
class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private prunedWindow = 0;

  consume(credential: string, now = Date.now()): void {
    const limit = rateLimitPerMinute();
    if (limit === 0) return;
    const start = Math.floor(now / windowMs) * windowMs;
    let window = this.windows.get(credential);
    if (!window || window.start !== start) {
      window = { start, shared: 0, pending: 0 };
      this.windows.set(credential, window);
    }
    if (window.shared + window.pending >= limit) {
      throw rateLimited(Math.max(1, Math.ceil((start + windowMs - now) / 1000)));
    }
    window.pending += 1;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sync();
    }, rateLimitSyncMs);
    this.timer.unref();
  }

  /** Adds this instance's pending counts to the database and takes everyone's totals back. */
  sync(now = Date.now()): Promise<void> {
    this.syncing ??= this.syncOnce(now).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(now: number): Promise<void> {
    const current = Math.floor(now / windowMs) * windowMs;
    for (const [credential, window] of this.windows) if (window.start < current) this.windows.delete(credential);
    if (this.windows.size === 0) return;
    const entries = [...this.windows].map(([credential, window]) => ({ credential, window, sent: window.pending }));
    try {
      const rows = await sql.all<{ credential: string; count: number | string }>(
        addCounts,
        sql.dialect === 'sqlite'
          ? [JSON.stringify(entries.map(({ credential, window, sent }) => [credential, window.start, sent]))]
          : [
              entries.map((entry) => entry.credential),
              entries.map((entry) => String(entry.window.start)),
              entries.map((entry) => String(entry.sent)),
            ],
      );
      const totals = new Map(rows.map((row) => [row.credential, Number(row.count)]));
      for (const { credential, window, sent } of entries) {
        window.pending -= sent;
        window.shared = totals.get(credential) ?? window.shared + sent;
      }
      if (this.prunedWindow !== current) {
        this.prunedWindow = current;
        await sql.run(pruneBefore, [current - windowMs]);
      }
    } catch (error) {
      // Counts stay pending and go with the next sync; meanwhile this instance still limits on what it knows.
      log('rate limit sync failed', { error: error instanceof Error ? error.message : String(error) });
    }
    this.schedule();
  }
}

const limiter = new RateLimiter();

/** Counts one operation against its credential's current window, or throws RATE_LIMITED. */
export function consumeRateLimit(credential: string, now = Date.now()): void {
  limiter.consume(credential, now);
}

/** Shares this instance's counts now (shutdown, tests). */
export function syncRateLimits(): Promise<void> {
  return limiter.sync();
}
