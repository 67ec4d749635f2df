// Scenarios 9–11's rows (bench/report.ts): each judged against its reference rounds taken in turn, with the cost
// the right way round (metrics: off over on; tracing: off over on, with the traced server measured).
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

const results = (scenarios: ScenarioResult[]) =>
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
