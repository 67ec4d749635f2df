// Scenarios 8's and 8b's bookkeeping (bench/live.ts): SSE events parsed across chunk boundaries, each merge's
// deliveries matched to its send time, lost, duplicated and misrouted deliveries counted, and the drain's "still
// outstanding"; scenario 8's followed persons.
import { describe, expect, it } from 'vitest';
import { DeliveryTracker, SseParser } from '../bench/live.ts';
import { followedPersons } from '../bench/scenarios.ts';

const next = (after: string) =>
  `event: next\ndata: {"data":{"personChanges":{"cursor":"c","personId":"p0000001","entries":[{"name":"bench_3","after":17},{"name":"bench_1","after":"${after}"}]}}}\n\n`;

describe('live subscribers bookkeeping', () => {
  it('parses SSE events split anywhere between chunks', () => {
    const parser = new SseParser('lvab12');
    const text = `:\n\n${next('lvab12-7')}${next('lvab12-p0')}${next('other-3')}event: next\ndata: {"errors":[{"message":"too many","extensions":{"code":"RATE_LIMITED"}}]}\n\nevent: complete\ndata:\n\n`;
    const events = [];
    for (let i = 0; i < text.length; i += 13) events.push(...parser.push(text.slice(i, i + 13)));
    expect(events).toEqual([
      { kind: 'ping' },
      { kind: 'delivery', seq: 7 },
      { kind: 'probe' },
      { kind: 'other' },
      { kind: 'error', message: 'too many', code: 'RATE_LIMITED' },
      { kind: 'complete' },
    ]);
  });

  it('measures from the send, counts lost and duplicated deliveries, and knows when all arrived', () => {
    let clock = 0;
    const tracker = new DeliveryTracker(2, 'lvt', () => clock);
    const open = [true, true];
    const warm = tracker.next(); // warm-up: delivered, not in the latencies
    tracker.measuring = true;
    clock = 10;
    const a = tracker.next();
    clock = 20;
    const b = tracker.next();
    const failed = tracker.next();
    const inFlight = tracker.next();
    expect(a).toEqual({ seq: 1, value: 'lvt-1' });
    tracker.delivered(0, warm.seq, 5);
    tracker.delivered(1, warm.seq, 6);
    tracker.responded(warm.seq, true);
    tracker.delivered(0, a.seq, 15); // before its response: still counted
    tracker.responded(a.seq, true);
    tracker.responded(b.seq, true);
    tracker.responded(failed.seq, false);
    tracker.delivered(1, a.seq, 40);
    tracker.delivered(1, a.seq, 41); // duplicate
    tracker.delivered(0, b.seq, 120);
    tracker.delivered(0, failed.seq, 30); // a failed merge's change
    expect(tracker.outstanding(open)).toBe(2); // b to subscriber 1, inFlight's response
    tracker.loadStopped();
    expect(tracker.outstanding(open)).toBe(1);
    expect(tracker.outstanding([true, false])).toBe(0); // subscriber 1 ended: nothing more to wait for
    tracker.delivered(0, inFlight.seq, 50); // in flight when the load stopped: neither expected nor lost
    const stats = tracker.stats({
      ended: 0,
      endedSample: null,
      setupSeconds: 0,
      drainSeconds: 0,
      generatorCpuPercent: 0,
    });
    expect(stats).toMatchObject({
      merges: 3,
      measuredMerges: 2,
      unanswered: 1,
      deliveries: 3,
      p50: 30,
      max: 100,
      lost: 1,
      duplicated: 1,
      unexpected: 1,
    });
  });

  it('expects a merge for one subscriber only from that subscriber (scenario 8)', () => {
    let clock = 0;
    const tracker = new DeliveryTracker(3, 'lvo', () => clock);
    tracker.measuring = true;
    const forOne = tracker.next(1);
    const forTwo = tracker.next(2);
    const forAll = tracker.next();
    for (const m of [forOne, forTwo, forAll]) tracker.responded(m.seq, true);
    clock = 10;
    tracker.delivered(1, forOne.seq, 12);
    tracker.delivered(0, forOne.seq, 13); // subscriber 0 follows another person
    tracker.delivered(0, forAll.seq, 14);
    tracker.delivered(1, forAll.seq, 15);
    expect(tracker.outstanding([true, true, true])).toBe(2); // forTwo to 2, forAll to 2
    expect(tracker.outstanding([true, true, false])).toBe(0); // subscriber 2 ended
    tracker.delivered(2, forAll.seq, 16);
    const stats = tracker.stats({
      ended: 0,
      endedSample: null,
      setupSeconds: 0,
      drainSeconds: 0,
      generatorCpuPercent: 0,
    });
    expect(stats).toMatchObject({
      merges: 3,
      measuredMerges: 3,
      expectedDeliveries: 5,
      deliveries: 4,
      lost: 1,
      duplicated: 0,
      misrouted: 1,
      max: 16,
    });
  });

  it('spreads the followed persons over the seeded ones, one per subscriber', () => {
    expect(followedPersons(1000)).toHaveLength(100);
    expect(followedPersons(1000).slice(0, 3)).toEqual(['p0000000', 'p0000010', 'p0000020']);
    expect(new Set(followedPersons(200)).size).toBe(100);
    expect(followedPersons(30)).toHaveLength(30);
  });
});
