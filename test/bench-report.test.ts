// Scenarios 9–13's rows (bench/report.ts): each judged against its reference rounds taken in turn, with the cost
// the right way round (metrics: off over on; tracing: off over on, with the traced server measured), the median of
// the round-by-round ratios beside the ratio of the medians, and scenarios that could not run named with the reason.
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../bench/load.ts';
import { renderReport } from '../bench/report.ts';
import type { Measured, RunResults, ScenarioResult } from '../bench/results.ts';
import type { ScenarioId } from '../bench/scenarios.ts';

const measured = (rps: number): Measured => {
  const round: LoadResult = {
    requests: rps,
    rps,
    p50: 1,
    p99: 2,
    max: 3,
    errors: {},
    errorSample: null,
    durationSeconds: 1,
  };
  return { median: round, rounds: [round], rssMiB: 100 };
};
const inTurn = (id: ScenarioId, rps: number, referenceRps: number): ScenarioResult => ({
  id,
  title: id,
  attrql: measured(rps),
  baseline: null,
  reference: measured(referenceRps),
});

/** Rounds taken in turn: round i of the scenario was followed by round i of the reference. */
const pairedRounds = (id: ScenarioId, rps: number[], referenceRps: number[]): ScenarioResult => {
  const sides = [rps, referenceRps].map((list) => {
    const rounds = list.map((value) => measured(value).median);
    return { median: [...rounds].sort((a, b) => a.rps - b.rps)[1] as LoadResult, rounds, rssMiB: 100 };
  });
  return { id, title: id, attrql: sides[0] as Measured, baseline: null, reference: sides[1] as Measured };
};

const results = (scenarios: ScenarioResult[], skipped?: { id: ScenarioId; reason: string }[]) =>
  ({
    startedAt: '2026-12-03T00:00:00.000Z',
    finishedAt: '2026-12-03T00:01:00.000Z',
    seconds: 60,
    options: { connections: 16, rounds: 3, durationSeconds: 5, warmupSeconds: 3, pacedSeconds: 10, quick: false },
    machine: { nproc: 2, cpu: 'cpu', node: 'v20', os: 'linux', commit: 'abc' },
    databases: [
      {
        provider: 'sqlite',
        persons: 1000,
        seedSeconds: 1,
        bytesPerPerson: 1,
        statements: {},
        idleRssMiB: { attrql: 100, baseline: 90 },
        scenarios,
        paced: [],
        skipped,
      },
    ],
    scale: [],
    unexpectedExits: [],
  }) as unknown as RunResults;

const row = (report: string, id: string) => report.split('\n').find((line) => line.startsWith(`| SQLite | ${id} |`));

describe('scenarios compared in turn with a default attrql', () => {
  it('reports the fan-out ratio and the metrics and tracing costs against their targets', () => {
    const report = renderReport(
      results([
        inTurn('merge-fanout', 950, 1000),
        inTurn('merge-fanout', 850, 1000),
        inTurn('merge-metrics-off', 1040, 1000),
        inTurn('person-metrics-off', 1060, 1000),
        inTurn('merge-tracing', 800, 1000),
        inTurn('person-tracing', 700, 1000),
      ]),
    );
    const rows = report.split('\n').filter((line) => line.startsWith('| SQLite | merge-fanout |'));
    expect(rows[0]).toContain('0.950× vs 1 without subscribers in turn (1,000 req/s) | ≥ 0.9× ✓');
    expect(rows[1]).toContain('0.850× vs 1 without subscribers in turn (1,000 req/s) | ≥ 0.9× ✗');
    expect(row(report, 'merge-metrics-off')).toContain('cost 4.0% vs metrics on in turn (1,000 req/s) | ≤ 5% ✓');
    expect(row(report, 'person-metrics-off')).toContain('cost 6.0% vs metrics on in turn (1,000 req/s) | ≤ 5% ✗');
    expect(row(report, 'merge-tracing')).toContain('cost 25.0% vs tracing off in turn (1,000 req/s) | ≤ 25% ✓');
    expect(row(report, 'person-tracing')).toContain('cost 42.9% vs tracing off in turn (1,000 req/s) | ≤ 25% ✗');
  });
});

describe('scenarios 12 and 13: a read replica and PgBouncer against without (issue 20)', () => {
  it('gives the ratio of the medians and the median of the paired ratios, for information, with the replica share', () => {
    // Pairs 1.20, 0.80, 0.90: the median pair is 0.90×, while median against median (1,000 / 1,000) is 1.000×.
    const replica = pairedRounds('person-replica', [1200, 1000, 900], [1000, 1250, 1000]);
    replica.readsByTarget = { primary: 5, replica: 995 };
    const report = renderReport(
      results([
        replica,
        pairedRounds('merge-pgbouncer', [500, 400, 450], [400, 500, 500]),
        inTurn('person-pgbouncer', 900, 1000),
      ]),
    );
    expect(row(report, 'person-replica')).toContain(
      '1.000× vs no replica in turn (1,000 req/s); paired median 0.900× (3 pairs); reads on the replica 99.5% | — (information) |',
    );
    expect(row(report, 'merge-pgbouncer')).toContain(
      '0.900× vs direct in turn (500 req/s); paired median 0.900× (3 pairs) | — (information) |',
    );
    // One round each: no pairs to take a median of.
    expect(row(report, 'person-pgbouncer')).toContain('0.900× vs direct in turn (1,000 req/s) | — (information) |');
  });

  it('adds the paired median of the server CPU per request, over the pairs of rounds that measured it', () => {
    // Round 1 (with warm-up) has no CPU figure; the other pairs are 1.25 and 1.35: median 1.30.
    const tracing = pairedRounds('merge-tracing', [800, 800, 800], [1000, 1000, 1000]);
    const cpu = (side: Measured, micros: (number | undefined)[]) => {
      side.rounds = side.rounds.map((round, i) => ({ ...round, serverCpuMicros: micros[i] }));
    };
    cpu(tracing.attrql, [undefined, 500, 540]);
    cpu(tracing.reference as Measured, [undefined, 400, 400]);
    const lonePair = pairedRounds('merge-pgbouncer', [500, 400, 450], [400, 500, 500]);
    cpu(lonePair.attrql, [undefined, 330, undefined]);
    cpu(lonePair.reference as Measured, [300, 300, 300]);
    const report = renderReport(results([tracing, lonePair, inTurn('person-pgbouncer', 900, 1000)]));
    expect(row(report, 'merge-tracing')).toContain(
      'paired median cost 25.0% (3 pairs); server CPU per request 1.30× (2 pairs) | ≤ 25% ✓',
    );
    expect(row(report, 'merge-pgbouncer')).toContain('server CPU per request 1.10× (1 pair) |');
    expect(row(report, 'person-pgbouncer')).not.toContain('server CPU');
  });

  it('names the selected scenarios that could not run, with the reason', () => {
    const report = renderReport(
      results([], [{ id: 'merge-pgbouncer', reason: 'PgBouncer not found (install pgbouncer)' }]),
    );
    expect(report).toContain('Not run on SQLite: merge-pgbouncer (PgBouncer not found (install pgbouncer)).');
  });
});

describe('scenario 14: merges with 10 webhook endpoints (issue 22)', () => {
  const webhooks = (ratios: number[], p99: number, lost: number) => ({
    endpoints: 10,
    rounds: ratios.map((ratio) => ({ without: 1000, with: 1000 * ratio })),
    withoutRps: 1000,
    withRps: 1000 * ([...ratios].sort()[1] as number),
    ratio: [...ratios].sort()[1] as number,
    pacedRate: 500,
    pacedSeconds: 10,
    p50: 40,
    p99,
    max: p99 + 100,
    lost,
    duplicates: 0,
  });
  const report = (w: ReturnType<typeof webhooks>) => {
    const run = results([]);
    (run.databases[0] as { webhooks?: unknown }).webhooks = w;
    return row(renderReport(run), '1,000') ?? '';
  };

  it('judges the median paired ratio against 0.85× and the paced p99 against 1 s with nothing lost', () => {
    expect(report(webhooks([0.9, 0.86, 0.8], 900, 0))).toBe(
      '| SQLite | 1,000 | 860 | 0.900, 0.860, 0.800 | 0.860× | ✓ | 500 × 10 s | 40 / 900 / 1000 | ✓ | 0 / 0 |',
    );
    expect(report(webhooks([0.9, 0.84, 0.8], 900, 0))).toContain('| 0.840× | ✗ |');
    expect(report(webhooks([0.9, 0.86, 0.8], 1000, 0))).toContain('| 40 / 1000 / 1100 | ✗ |');
    expect(report(webhooks([0.9, 0.86, 0.8], 900, 3))).toContain('| 40 / 900 / 1000 | ✗ | 3 / 0 |');
  });
});
