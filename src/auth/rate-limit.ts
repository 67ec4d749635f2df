import { db } from '../db/client.ts';
import { rateLimited } from '../errors.ts';

const windowMs = 60_000;

export function rateLimitPerMinute(): number {
  const raw = process.env.ATTRQL_RATE_LIMIT_PER_MINUTE;
  if (raw === undefined || raw === '') return 600;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`ATTRQL_RATE_LIMIT_PER_MINUTE must be a whole number, got "${raw}"`);
  return value;
}

/**
 * Counts one operation against a credential's fixed 60 s window, or throws RATE_LIMITED. The counter lives
 * in the database (one atomic upsert), so every instance on the same database shares it.
 */
export async function consumeRateLimit(credential: string, now = Date.now()): Promise<void> {
  const limit = rateLimitPerMinute();
  if (limit === 0) return;
  const windowStart = BigInt(Math.floor(now / windowMs) * windowMs);
  const rows = await db.$queryRaw<{ count: number | bigint }[]>`
    INSERT INTO "RateLimitWindow" ("credential", "windowStart", "count") VALUES (${credential}, ${windowStart}, 1)
    ON CONFLICT ("credential", "windowStart") DO UPDATE SET "count" = "RateLimitWindow"."count" + 1
    RETURNING "count"`;
  const count = Number(rows[0]?.count ?? 0);
  if (count === 1 && Math.random() < 0.01) void pruneOldWindows(windowStart);
  if (count > limit) {
    throw rateLimited(Math.max(1, Math.ceil((Number(windowStart) + windowMs - now) / 1000)));
  }
}

async function pruneOldWindows(currentWindow: bigint): Promise<void> {
  await db.rateLimitWindow
    .deleteMany({ where: { windowStart: { lt: currentWindow - BigInt(windowMs) } } })
    .catch(() => {});
}
