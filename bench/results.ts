// The shape of a run's raw results (bench/results/*.json), from which report.ts renders the tables.
import type { BenchOptions } from './args.ts';
import type { LoadResult } from './load.ts';
import type { PacedResult } from './paced.ts';
import type { ScenarioId } from './scenarios.ts';
import type { WebhookResult } from './webhook-scenario.ts';

export interface Machine {
  nproc: number;
  cpu: string;
  node: string;
  os: string;
  /** The commit of the working tree the run measured. */
  commit: string;
}

export interface Measured {
  /** The round with the median req/s. */
  median: LoadResult;
  rounds: LoadResult[];
  /** Highest server RSS sampled during the measured rounds, MiB. */
  rssMiB: number;
}

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  attrql: Measured;
  baseline: Measured | null;
  /**
   * Scenario 6: scenario 1's request on an attrql with the limiter off, in rounds taking turns with 6's on the same
   * database, so that the limiter's cost is not mixed up with what changed since scenario 1 ran (a fuller database,
   * minutes of drift on the machine). Absent in results from before it was measured.
   */
  reference?: Measured | null;
  /** Scenario 12: reads the attrql with a replica counted by target during its rounds (`attrql_db_reads_total`). */
  readsByTarget?: { primary: number; replica: number };
}

export interface PacedComparison {
  id: ScenarioId;
  title: string;
  /** Requests per second: half of attrql's median maximum for the scenario. */
  rate: number;
  attrql: PacedResult;
  /** Null for scenarios without a baseline twin (8). */
  baseline: PacedResult | null;
  attrqlRssMiB: number;
}

/** Scenario 1 from an earlier run (`--before`, e.g. on the commit before issue 11's change log), to compare with. */
export interface BeforeRun {
  file: string;
  commit: string;
  startedAt: string;
  quick: boolean;
  persons: number;
  connections: number;
  /** Scenario 1's median req/s by database. */
  merge: Partial<Record<'sqlite' | 'postgresql', number>>;
  /** SQL statements per request by database (the change log may add at most one per write). */
  statements: Partial<Record<'sqlite' | 'postgresql', Record<string, number>>>;
}

export interface DatabaseResults {
  provider: 'sqlite' | 'postgresql';
  persons: number;
  seedSeconds: number;
  bytesPerPerson: number;
  /** attrql's SQL statements per request, by scenario (and persons(first: n) by page size). */
  statements: Record<string, number>;
  idleRssMiB: { attrql: number; baseline: number };
  scenarios: ScenarioResult[];
  paced: PacedComparison[];
  /** Scenario 14 (issue 22): merges with 10 webhook endpoints against none, and delivery latency at 50% load. */
  webhooks?: WebhookResult;
  /** Selected scenarios that could not run here, and why (scenarios 12, 13: a missing Debian tool). */
  skipped?: { id: ScenarioId; reason: string }[];
}

export interface ScaleSize {
  persons: number;
  bytesPerPerson: number;
  seedSeconds: number;
  reused: boolean;
  scenarios: ScenarioResult[];
}

export interface RunResults {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  options: BenchOptions;
  machine: Machine;
  databases: DatabaseResults[];
  scale: ScaleSize[];
  /** Servers that died during the run (e.g. killed from outside): restarted, and the job they were in repeated. */
  unexpectedExits: { name: string; at: string; status: string }[];
  /** Scenario 1 of the run given with --before. */
  before?: BeforeRun;
}
