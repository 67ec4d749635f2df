// The paced load generator's timing (bench/paced.ts): requests evenly spaced at the rate, latency measured from
// when each was due, and the quantiles the report prints.
import { describe, expect, it, vi } from 'vitest';
import { dueAt, dueBy, quantile, runPaced } from '../bench/paced.ts';

describe('paced generator', () => {
  it('spaces requests evenly and counts the due ones', () => {
    expect(dueAt(0, 200)).toBe(0);
    expect(dueAt(3, 200)).toBe(15);
    expect(dueBy(-1, 200, 100)).toBe(0);
    expect(dueBy(0, 200, 100)).toBe(1);
    expect(dueBy(14.9, 200, 100)).toBe(3);
    expect(dueBy(15, 200, 100)).toBe(4);
    expect(dueBy(60_000, 200, 100)).toBe(100);
  });

  it('takes quantiles as the smallest value with at least q of all at or below it', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile(sorted, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
  });

  it('sends at the rate, not in bursts, and measures latency from the due time', async () => {
    // A fake clock makes this exact: a loaded CI machine delays real timers by several ms (a flaky bound before).
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    try {
      const sendTimes: number[] = [];
      const started = performance.now();
      const running = runPaced({
        rate: 200,
        durationSeconds: 0.25,
        send: async () => {
          sendTimes.push(performance.now() - started);
          await new Promise((resolve) => setTimeout(resolve, 2));
          return true;
        },
      });
      await vi.advanceTimersByTimeAsync(300);
      const result = await running;
      expect(result.sent).toBe(50);
      expect(result.errors).toBe(0);
      // Each request leaves exactly at its own due time: none early (a burst), none late.
      expect(sendTimes).toEqual(sendTimes.map((_, k) => dueAt(k, 200)));
      // Latency counts from the due time: the 2 ms the send took, for every request.
      expect(result.p50).toBe(2);
      expect(result.max).toBe(2);
      expect(result.achievedRate).toBeCloseTo(200, 6);
    } finally {
      vi.useRealTimers();
    }
  });
});
