/**
 * At most `size` holders at a time; waiters are served first come, first served, so every endpoint waiting for a
 * slot gets one in turn however many others keep asking.
 */
export class FairSlots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async take(): Promise<() => void> {
    if (this.used < this.size && this.waiting.length === 0) this.used += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight on
      else this.used -= 1;
    };
  }
}
