import { setTimeout as sleep } from 'node:timers/promises';
import { databaseTimeoutMs } from './config.ts';
import type { Mutex } from './mutex.ts';

/** SQLITE_BUSY from better-sqlite3 itself, or as Prisma's adapter reports it. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return true;
  const cause = (error as { cause?: { kind?: unknown; originalCode?: unknown } } | null)?.cause;
  return cause?.kind === 'SocketTimeout';
}

/**
 * Runs `attempt` until SQLite stops answering SQLITE_BUSY (another process holds the write lock), for 5 s at most,
 * then lets the last SQLITE_BUSY through (SERVICE_UNAVAILABLE). The connection's own busy timeout is 0: SQLite's
 * busy handler sleeps inside the call, blocking the event loop, and backs off to 100 ms steps that lose the lock to
 * a busy neighbour again and again. Here the wait is asynchronous and short, so requests that need no lock go on.
 * `attempt` must hold no lock of ours while this waits: it takes and releases its own.
 */
export async function retryWhileBusy<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + databaseTimeoutMs;
  for (let delayMs = 1; ; delayMs = Math.min(delayMs * 2, 16)) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    await sleep(delayMs * (0.5 + Math.random()));
  }
}

/** Runs one statement holding `lock`, again while SQLite answers SQLITE_BUSY (the lock is free between tries). */
export function lockedWhileBusy<T>(lock: Mutex, run: () => T | Promise<T>): Promise<T> {
  return retryWhileBusy(async () => {
    const release = await lock.acquire();
    try {
      return await run();
    } finally {
      release();
    }
  });
}

/**
 * `lockedWhileBusy` for a synchronous statement (better-sqlite3): when the lock is free, it runs on the spot,
 * without the promises and closures of a wait (most reads of a busy server); else, or on SQLITE_BUSY, it waits.
 */
export function lockedNowOrWhileBusy<T>(lock: Mutex, run: () => T): Promise<T> {
  const release = lock.tryAcquire();
  if (release) {
    try {
      return Promise.resolve(run());
    } catch (error) {
      if (!isBusy(error)) return Promise.reject(error);
    } finally {
      release();
    }
  }
  return lockedWhileBusy(lock, run);
}

/**
 * Takes `lock`, then SQLite's write lock with `begin` (BEGIN IMMEDIATE), waiting while another process holds it;
 * resolves with the function that releases `lock` once the transaction has ended.
 */
export function beginWhileBusy(lock: Mutex, begin: () => unknown): Promise<() => void> {
  return retryWhileBusy(async () => {
    const release = await lock.acquire();
    try {
      await begin();
      return release;
    } catch (error) {
      release();
      throw error;
    }
  });
}
