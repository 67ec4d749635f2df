/**
 * A FIFO async lock: `acquire()` resolves with the function that releases it; `tryAcquire()` takes it only when
 * it is free, on the spot. Waiters queue in an array: a free lock costs no promise chain, and a taken one only its
 * waiter's promise.
 */
export class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  /** `onWait`: told how long each acquire that found the lock taken waited for it (ms), for metrics. */
  constructor(private readonly onWait?: (ms: number) => void) {}

  /** The release function when the lock was free (now taken), else null. */
  tryAcquire(): (() => void) | null {
    if (this.locked) return null;
    this.locked = true;
    return this.releaser();
  }

  acquire(): Promise<() => void> {
    const release = this.tryAcquire();
    if (release) return Promise.resolve(release);
    const queuedAt = this.onWait ? performance.now() : 0;
    return new Promise((resolve) =>
      this.waiters.push(() => {
        this.onWait?.(performance.now() - queuedAt);
        resolve(this.releaser());
      }),
    );
  }

  /** Releasing hands the lock to the first waiter (it stays taken), or frees it. A second call does nothing. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.locked = false;
    };
  }
}
