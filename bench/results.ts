// The shape of a run's raw results (bench/results/*.json), from which report.ts renders the tables.
import type { BenchOptions } from './args.ts';
import type { LoadResult } from './load.ts';
import type { PacedResult } from './paced.ts';
import type { ScenarioId } from './scenarios.ts';

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
}

export interface PacedComparison {
  id: ScenarioId;
  title: string;
  /** Requests per second: half of attrql's median maximum for the scenario. */
  rate: number;
  attrql: PacedResult;
  baseline: PacedResult;
  attrqlRssMiB: number;
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
}
