import { describe, expect, it } from 'vitest';
import { Mutex } from '../src/db/mutex.ts';
import { lockedNowOrWhileBusy } from '../src/db/sqlite-busy.ts';

// The lock every SQLite statement and transaction of a process takes (sqlite-serialized-adapter.ts): FIFO, one
// holder at a time, and a free lock taken on the spot (reads of a busy server run without waiting for a tick).
describe('Mutex', () => {
  it('hands the lock to waiters one at a time, in the order they asked', async () => {
    const lock = new Mutex();
    const order: string[] = [];
    const first = await lock.acquire();
    const waiters = ['a', 'b', 'c'].map((name) =>
      lock.acquire().then((release) => {
        order.push(`${name} in`);
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            order.push(`${name} out`);
            release();
            resolve();
          }, 5),
        );
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([]); // all wait for the first holder
    first();
    await Promise.all(waiters);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('tryAcquire takes a free lock at once, and refuses a held one (even when the holder is about to hand it on)', async () => {
    const lock = new Mutex();
    const release = lock.tryAcquire();
    expect(release).not.toBeNull();
    expect(lock.tryAcquire()).toBeNull();
    const next = lock.acquire();
    release?.();
    expect(lock.tryAcquire()).toBeNull(); // handed to the waiter, not freed
    (await next)();
    const again = lock.tryAcquire();
    expect(again).not.toBeNull();
    again?.();
  });

  it('a second release changes nothing', async () => {
    const lock = new Mutex();
    const release = await lock.acquire();
    const waiter = lock.acquire();
    release();
    release(); // must not release the waiter's hold
    const held = await waiter;
    expect(lock.tryAcquire()).toBeNull();
    held();
    expect(lock.tryAcquire()).not.toBeNull();
  });

  it('lockedNowOrWhileBusy runs at once on a free lock, waits on a held one, and frees it after a failure', async () => {
    const lock = new Mutex();
    let ran = false;
    const done = lockedNowOrWhileBusy(lock, () => {
      ran = true;
      return 1;
    });
    expect(ran).toBe(true); // before any await
    expect(await done).toBe(1);

    const release = await lock.acquire();
    ran = false;
    const waiting = lockedNowOrWhileBusy(lock, () => {
      ran = true;
      return 2;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ran).toBe(false);
    release();
    expect(await waiting).toBe(2);

    await expect(
      lockedNowOrWhileBusy(lock, () => {
        throw new Error('constraint failed');
      }),
    ).rejects.toThrow('constraint failed');
    expect(lock.tryAcquire()).not.toBeNull();
  });
});
