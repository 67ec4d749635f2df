import { sql } from '../db/client.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { rateLimited } from '../errors.ts';
import { log } from '../log.ts';
import { countRateLimited } from '../observability/metrics.ts';

const windowMs = 60_000;
/**
 * How often an instance adds its new counts to the shared ones in the database and reads everyone's back. Two
 * intervals (1 s) after a request, every instance on the database counts it.
 */
export const rateLimitSyncMs = 500;

function wholeNumberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

/** ATTRQL_RATE_LIMIT_PER_MINUTE: operations per credential and window (default 600; 0 = off). */
export function rateLimitPerMinute(): number {
  return wholeNumberSetting('ATTRQL_RATE_LIMIT_PER_MINUTE', 600);
}

/**
 * ATTRQL_RATE_LIMIT_PER_ORG_PER_MINUTE: operations of all credentials of one organization together per window
 * (default 100× the per-credential rate, so off when that is off; 0 = off).
 */
export function rateLimitPerOrgPerMinute(): number {
  return wholeNumberSetting('ATTRQL_RATE_LIMIT_PER_ORG_PER_MINUTE', 100 * rateLimitPerMinute());
}

/** The organization's shared window is a row like a credential's, under a name no credential hash can have. */
const orgWindowName = (orgId: string) => `org:${orgId}`;

interface Window {
  credential: string;
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
       RETURNING "credential", "windowStart", "count"`
    : `INSERT INTO "RateLimitWindow" ("credential", "windowStart", "count")
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[])
       ON CONFLICT ("credential", "windowStart") DO UPDATE SET "count" = "RateLimitWindow"."count" + excluded."count"
       RETURNING "credential", "windowStart", "count"`,
);
const readCounts = perDialect(
  (d) => `SELECT "credential", "windowStart", "count" FROM "RateLimitWindow"
    WHERE "windowStart" = $1 AND "credential" ${inList(d, 2)}`,
);
const pruneBefore = 'DELETE FROM "RateLimitWindow" WHERE "windowStart" < $1';

const windowKey = (credential: string, start: number) => `${start} ${credential}`;

/**
 * Fixed 60 s windows per credential and per organization, counted in memory and shared through the database every 500 ms: exact within
 * one instance, and across instances it may overshoot by what reaches the others within one sync. Requests never
 * wait for the database here.
 */
class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private prunedWindow = 0;
  private stopped = false;

  /**
   * Counts one operation in the credential's window and its organization's (none: anonymous introspection), or in
   * neither when one is full.
   */
  consume(credential: string, orgId: string | null, now = Date.now()): void {
    const start = Math.floor(now / windowMs) * windowMs;
    const counted: Window[] = [];
    for (const [name, limit] of [
      [credential, rateLimitPerMinute()],
      [orgId === null ? null : orgWindowName(orgId), rateLimitPerOrgPerMinute()],
    ] as const) {
      if (name === null || limit === 0) continue;
      const window = this.window(name, start);
      if (window.shared + window.pending >= limit) {
        throw rateLimited(Math.max(1, Math.ceil((start + windowMs - now) / 1000)));
      }
      counted.push(window);
    }
    for (const window of counted) window.pending += 1;
    if (counted.length > 0) this.schedule();
  }

  private window(credential: string, start: number): Window {
    const key = windowKey(credential, start);
    let window = this.windows.get(key);
    if (!window) {
      window = { credential, start, shared: 0, pending: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
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

  /** At shutdown: waits for a sync under way, shares what came since, and schedules no more. */
  async flushAndStop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.syncing;
    await this.sync();
  }

  private async syncOnce(now: number): Promise<void> {
    const current = Math.floor(now / windowMs) * windowMs;
    // Past windows go once their last counts are shared; the current one stays, to learn the others' counts.
    for (const [key, window] of this.windows)
      if (window.start < current && window.pending === 0) this.windows.delete(key);
    if (this.windows.size === 0) return;
    // Sorted, so two instances adding to the same rows lock them in the same order (no deadlock on PostgreSQL).
    const windows = [...this.windows.values()].sort((a, b) =>
      a.credential < b.credential ? -1 : a.credential > b.credential ? 1 : a.start - b.start,
    );
    const sending = windows.filter((window) => window.pending > 0).map((window) => ({ window, sent: window.pending }));
    const idle = windows.filter((window) => window.pending === 0 && window.start === current);
    try {
      const totals = new Map<string, number>();
      const remember = (rows: { credential: string; windowStart: unknown; count: unknown }[]) => {
        for (const row of rows) totals.set(windowKey(row.credential, Number(row.windowStart)), Number(row.count));
      };
      if (sending.length > 0) remember(await sql.all(addCounts, addParams(sending)));
      if (idle.length > 0) remember(await sql.all(readCounts, [current, idle.map((window) => window.credential)]));
      for (const { window, sent } of sending) window.pending -= sent;
      for (const window of windows) {
        const key = windowKey(window.credential, window.start);
        window.shared = totals.get(key) ?? window.shared;
        if (window.start < current && window.pending === 0) this.windows.delete(key);
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

/** The rows to add, as the statement of this database takes them. */
function addParams(sending: { window: Window; sent: number }[]) {
  if (sql.dialect === 'sqlite') {
    return [JSON.stringify(sending.map(({ window, sent }) => [window.credential, window.start, sent]))];
  }
  return [
    sending.map(({ window }) => window.credential),
    sending.map(({ window }) => String(window.start)),
    sending.map(({ sent }) => String(sent)),
  ];
}

const limiter = new RateLimiter();

/**
 * Counts one operation against its credential's current window and its organization's, or throws RATE_LIMITED
 * (counting nothing) when either is full.
 */
export function consumeRateLimit(credential: string, orgId: string | null, now = Date.now()): void {
  try {
    limiter.consume(credential, orgId, now);
  } catch (error) {
    countRateLimited();
    throw error;
  }
}

/** At shutdown: shares every count not yet shared, then stops syncing. */
export function flushRateLimits(): Promise<void> {
  return limiter.flushAndStop();
}
