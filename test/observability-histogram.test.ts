import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LeanHistogram } from '../src/observability/histogram.ts';

// The hot paths' histogram (src/observability/histogram.ts) in prom-client's registry: the exposition must be what
// Prometheus expects of a histogram — cumulative buckets with `le` (a value on a bound counts in that bucket),
// +Inf equal to _count, and _sum.

describe('LeanHistogram', () => {
  it('exposes cumulative buckets, +Inf, _sum and _count per label set', async () => {
    const registry = new Registry();
    const histogram = new LeanHistogram('test_duration_seconds', 'A test.', ['kind'], [0.001, 0.01, 1], registry);
    const a = histogram.labels('a');
    for (const value of [0.0005, 0.001, 0.005, 20]) a.observe(value);
    expect(histogram.labels('a')).toBe(a); // found once, then reused
    histogram.labels('b').observe(0.5);
    expect((await registry.metrics()).trim().split('\n')).toEqual([
      '# HELP test_duration_seconds A test.',
      '# TYPE test_duration_seconds histogram',
      'test_duration_seconds_bucket{kind="a",le="0.001"} 2',
      'test_duration_seconds_bucket{kind="a",le="0.01"} 3',
      'test_duration_seconds_bucket{kind="a",le="1"} 3',
      'test_duration_seconds_bucket{kind="a",le="+Inf"} 4',
      'test_duration_seconds_sum{kind="a"} 20.0065',
      'test_duration_seconds_count{kind="a"} 4',
      'test_duration_seconds_bucket{kind="b",le="0.001"} 0',
      'test_duration_seconds_bucket{kind="b",le="0.01"} 0',
      'test_duration_seconds_bucket{kind="b",le="1"} 1',
      'test_duration_seconds_bucket{kind="b",le="+Inf"} 1',
      'test_duration_seconds_sum{kind="b"} 0.5',
      'test_duration_seconds_count{kind="b"} 1',
    ]);
  });
});
