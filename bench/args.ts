// npm run bench -- [--quick] [--skip-scale] [--db sqlite|postgresql] [--scenarios a,b] [--readme] …
import { parseArgs } from 'node:util';
import { type ScenarioId, scenarioIds } from './scenarios.ts';

export interface BenchOptions {
  quick: boolean;
  databases: ('sqlite' | 'postgresql')[];
  scenarios: ScenarioId[];
  /** The scenarios run on PostgreSQL (--quick: a subset, to stay under 3 minutes). */
  postgresScenarios: ScenarioId[];
  persons: number;
  connections: number;
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Paced tail-latency runs: which scenarios, for how long. */
  pacedScenarios: ScenarioId[];
  pacedSeconds: number;
  /** Scenarios 2 and 3 at these sizes on SQLite; empty: skipped. */
  scaleSizes: number[];
  /** Seed the scale databases again even when bench/.data holds them from an earlier run. */
  reseed: boolean;
  /** Write the table into the README's Performance section. */
  readme: boolean;
  /** Scenarios 8 and 8b: how long to wait after the load for deliveries still on their way (then they count as lost). */
  drainSeconds: number;
  /** An earlier run's results (bench/results/*.json) whose scenario 1 the report compares with. */
  before: string | null;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'skip-scale': { type: 'boolean', default: false },
      db: { type: 'string' },
      scenarios: { type: 'string' },
      persons: { type: 'string' },
      connections: { type: 'string', default: '16' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'paced-seconds': { type: 'string' },
      'scale-sizes': { type: 'string' },
      drain: { type: 'string' },
      before: { type: 'string' },
      reseed: { type: 'boolean', default: false },
      readme: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench -- [options]',
        '  --quick                 1 × 2 s rounds, 200 persons, fewer PostgreSQL scenarios, no scale phase (≈ 3½ min; CI)',
        '  --skip-scale            skip scenarios 2 and 3 at 10,000 and 1,000,000 persons',
        '  --db sqlite|postgresql  one database only',
        `  --scenarios a,b         a subset of ${scenarioIds.join(', ')}`,
        '                          (person-replica, merge-pgbouncer, person-pgbouncer: PostgreSQL only, not in --quick; skipped without initdb, pg_basebackup, pgbouncer)',
        '                          (merge-webhooks: not in --quick unless named)',
        '  --persons N             persons seeded for the main scenarios (default 1000)',
        '  --connections N         autocannon connections (default 16)',
        '  --rounds N --duration S --warmup S   measured rounds (default 3 × 10 s, 3 s warm-up)',
        '  --paced-seconds S       length of each paced tail-latency run (default 10)',
        '  --scale-sizes a,b       persons for the scale phase (default 10000,1000000)',
        '  --reseed                seed the scale databases again instead of reusing bench/.data',
        '  --readme                write the table into README.md (section "Performance")',
        '  --drain S               scenarios 8, 8b: wait up to S s after the load for deliveries (default 10, --quick 5)',
        "  --before FILE           compare scenario 1 with an earlier run's results (e.g. from the commit before",
        '                          issue 11, see bench/README.md)',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const quick = values.quick;
  const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
  // Scenario 14 takes about two minutes per database: not in --quick unless asked for by name.
  const scenarios = (values.scenarios?.split(',') ??
    scenarioIds.filter((id) => !quick || id !== 'merge-webhooks')) as ScenarioId[];
  for (const id of scenarios) if (!scenarioIds.includes(id)) throw new Error(`unknown scenario ${id}`);
  const db = values.db;
  if (db !== undefined && db !== 'sqlite' && db !== 'postgresql') throw new Error('--db is sqlite or postgresql');
  return {
    quick,
    databases: db ? [db] : ['sqlite', 'postgresql'],
    scenarios,
    postgresScenarios: quick
      ? scenarios.filter((id) =>
          ['merge', 'merge-live-ref', 'merge-live', 'merge-live-all', 'person', 'persons', 'my-attributes'].includes(
            id,
          ),
        )
      : scenarios,
    persons: number(values.persons, quick ? 200 : 1000),
    connections: number(values.connections, 16),
    rounds: number(values.rounds, quick ? 1 : 3),
    durationSeconds: number(values.duration, quick ? 2 : 10),
    warmupSeconds: number(values.warmup, quick ? 1 : 3),
    pacedScenarios: (['merge', 'merge-live', 'merge-live-all', 'person'] as ScenarioId[]).filter(
      (id) => scenarios.includes(id) && (!quick || id !== 'person'),
    ),
    pacedSeconds: number(values['paced-seconds'], quick ? 2 : 10),
    scaleSizes: quick || values['skip-scale'] ? [] : (values['scale-sizes'] ?? '10000,1000000').split(',').map(Number),
    reseed: values.reseed,
    readme: values.readme,
    drainSeconds: number(values.drain, quick ? 5 : 10),
    before: values.before ?? null,
  };
}
