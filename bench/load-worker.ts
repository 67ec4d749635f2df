// The load generator as its own process, so the harness can pin it to a core of its own (taskset -c 1):
// `node --import tsx bench/load-worker.ts <job.json>` runs one job and prints its result as JSON on stdout.
import { readFileSync } from 'node:fs';
import { closeAgent, post } from './http.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type PacedResult, runPaced } from './paced.ts';
import { failureCode, type LoadData, type ScenarioId, scenarios, sharedState, type Target } from './scenarios.ts';

export interface LoadJob {
  kind: 'closed' | 'paced';
  scenario: ScenarioId;
  target: Target;
  /** One URL, or several (scenario 7: the connections are split between them). */
  urls: string[];
  attrqlUrl: string;
  data: LoadData;
  connections: number;
  durationSeconds: number;
  /** Requests per second (paced jobs). */
  rate?: number;
  /** Closed-loop load before the measured part, not counted (saves starting a worker for the warm-up). */
  warmupSeconds?: number;
}

export type JobResult = { kind: 'closed'; result: LoadResult } | { kind: 'paced'; result: PacedResult };

async function runJob(job: LoadJob): Promise<JobResult> {
  const scenario = scenarios[job.scenario];
  const shared = sharedState(job.data);
  if (job.kind === 'paced') {
    const url = job.urls[0] as string;
    const result = await runPaced({
      rate: job.rate ?? 1,
      durationSeconds: job.durationSeconds,
      send: async () => {
        const built = scenario.build(job.target, job.data, {}, shared);
        const reply = await post(url, built.path, built.body, built.authorization);
        return failureCode(reply.status, reply.body) === null;
      },
    });
    return { kind: 'paced', result };
  }
  const perUrl = Math.max(1, Math.floor(job.connections / job.urls.length));
  const load = (durationSeconds: number) =>
    Promise.all(
      job.urls.map((url) =>
        runLoad({
          scenario,
          target: job.target,
          url,
          attrqlUrl: job.attrqlUrl,
          data: job.data,
          shared,
          connections: perUrl,
          durationSeconds,
        }),
      ),
    );
  if (job.warmupSeconds) await load(job.warmupSeconds);
  return { kind: 'closed', result: combine(await load(job.durationSeconds)) };
}

/** Several servers' results as one: requests and errors add up, latencies take the worst. */
function combine(results: LoadResult[]): LoadResult {
  if (results.length === 1) return results[0] as LoadResult;
  const errors: Record<string, number> = {};
  for (const result of results) {
    for (const [code, count] of Object.entries(result.errors)) errors[code] = (errors[code] ?? 0) + count;
  }
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    rps: results.reduce((sum, r) => sum + r.rps, 0),
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    max: Math.max(...results.map((r) => r.max)),
    errors,
    errorSample: results.find((r) => r.errorSample)?.errorSample ?? null,
    durationSeconds: results[0]?.durationSeconds ?? 0,
  };
}

const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as LoadJob;
const result = await runJob(job);
closeAgent();
process.stdout.write(`${JSON.stringify(result)}\n`);
