// The load generator as its own process, so the harness can pin it to a core of its own (taskset -c 1):
// `node --import tsx bench/load-worker.ts <job.json>` runs one job and prints its result as JSON on stdout.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { closeAgent, graphql, post } from './http.ts';
import { DeliveryTracker, fanoutSubscribers, LiveSubscribers, liveSubscribers } from './live.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type PacedResult, runPaced } from './paced.ts';
import { loadCore, pinned, repoRoot } from './processes.ts';
import {
  type ConnectionContext,
  failureCode,
  type LoadData,
  mergeQuery,
  type ScenarioId,
  type SharedState,
  scenarios,
  sharedState,
  type Target,
} from './scenarios.ts';

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
  /** Scenarios 8 and 8b: how long to wait after the load for deliveries still on their way. */
  drainSeconds?: number;
}

export type JobResult = { kind: 'closed'; result: LoadResult } | { kind: 'paced'; result: PacedResult };

/**
 * Scenarios 8 and 8b: the job runs with live subscriptions open on the (one) attrql, registered before the load
 * starts; their deliveries are added to the job's result. 8: one subscriber per followed person (`shared.followed`);
 * 8b: `liveSubscribers` subscribers to the whole organization.
 */
async function runJob(job: LoadJob): Promise<JobResult> {
  const shared = sharedState(job.data);
  if (job.scenario === 'merge-fanout') return runFanoutJob(job, shared);
  if (job.scenario !== 'merge-live' && job.scenario !== 'merge-live-all') return runLoadJob(job, shared);
  const url = job.urls[0] as string;
  const follows: (string | null)[] =
    job.scenario === 'merge-live' ? shared.followed : new Array<null>(liveSubscribers).fill(null);
  const tracker = new DeliveryTracker(follows.length);
  shared.live = tracker;
  const subscribers = new LiveSubscribers(url, job.data.apiKey, tracker, follows);
  await subscribers.establish(async (value, person) => {
    // A probe: scenario 1's merge (on the first person when any will do), with a value no measured merge has.
    const personId = person ?? 'p0000000';
    await graphql(url, mergeQuery, { personId, attributes: { bench_0: value } }, job.data.apiKey);
  });
  try {
    const outcome = await runLoadJob(job, shared);
    await subscribers.drain(job.drainSeconds ?? 5);
    outcome.result.delivery = subscribers.stats();
    return outcome;
  } finally {
    subscribers.close();
  }
}

/**
 * Fan-out (issue 23): scenario 1's merges in the bench organization while `fanoutSubscribers` subscriptions to a
 * second organization's feed stay open (all opened before the load; the count that ended early is logged).
 */
async function runFanoutJob(job: LoadJob, shared: SharedState): Promise<JobResult> {
  const url = job.urls[0] as string;
  const started = performance.now();
  const idle = await openIdleSubscribers(url, job.data.subscriberKeys ?? [], fanoutSubscribers);
  // Open as the server sees them (its gauge), not just answered: the load starts when it counts them all.
  const onServer = await serverSubscriptions(url, (n) => n >= fanoutSubscribers);
  if (onServer < fanoutSubscribers) {
    idle.close();
    throw new Error(`the server counts ${onServer} open subscriptions, not ${fanoutSubscribers}`);
  }
  process.stderr.write(
    `${fanoutSubscribers} subscriptions open in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  try {
    const outcome = await runLoadJob(job, shared);
    const ended = await idle.close();
    if (outcome.kind === 'closed' && ended > 0) outcome.result.errors.SUBSCRIPTION_ENDED = ended;
    return outcome;
  } finally {
    await idle.close();
    // The next job (the reference round, none open) starts once the server has released them all.
    await serverSubscriptions(url, (n) => n === 0);
  }
}

/**
 * The idle subscriptions, opened by a process of their own on this core (bench/idle-subscribers.ts): resolves once
 * they are all open, with the function that closes them and tells how many had ended before.
 */
function openIdleSubscribers(
  url: string,
  keys: readonly string[],
  count: number,
): Promise<{ close: () => Promise<number> }> {
  const keysFile = join(mkdtempSync(join(tmpdir(), 'attrql-bench-idle-')), 'keys.json');
  writeFileSync(keysFile, JSON.stringify(keys));
  const [command, ...args] = pinned(loadCore, [
    process.execPath,
    '--import',
    'tsx',
    'bench/idle-subscribers.ts',
    url,
    String(count),
    keysFile,
  ]);
  const child = spawn(command as string, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let closing: Promise<number> | null = null;
  const close = () => {
    closing ??= new Promise<number>((resolve) => {
      const done = (ended: number) => {
        rmSync(dirname(keysFile), { recursive: true, force: true });
        resolve(ended);
      };
      if (child.exitCode !== null || child.signalCode !== null) return done(0);
      child.once('message', (message) => done((message as { ended?: number }).ended ?? 0));
      child.once('exit', () => done(0));
      child.send('close');
    });
    return closing;
  };
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      const { open, error } = message as { open?: number; error?: string };
      if (open === count) resolve({ close });
      else {
        void close();
        reject(new Error(`idle subscribers: ${error ?? `${open} of ${count} open`}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`idle subscribers exited with ${code}`)));
  });
}

/** attrql's open SSE subscriptions (its gauge), read every 100 ms until `done` says so or 10 s passed. */
async function serverSubscriptions(url: string, done: (open: number) => boolean): Promise<number> {
  let open = Number.NaN;
  for (let i = 0; i < 100; i += 1) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const metrics = await (await fetch(new URL('/metrics', url))).text();
    open = Number(/^attrql_subscriptions_open\{transport="sse"\} (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
    if (done(open)) break;
  }
  return open;
}

async function runLoadJob(job: LoadJob, shared: SharedState): Promise<JobResult> {
  const scenario = scenarios[job.scenario];
  if (job.kind === 'paced') {
    const url = job.urls[0] as string;
    if (shared.live) shared.live.measuring = true;
    const result = await runPaced({
      rate: job.rate ?? 1,
      durationSeconds: job.durationSeconds,
      send: async () => {
        const context: ConnectionContext = {};
        const built = scenario.build(job.target, job.data, context, shared);
        const reply = await post(url, built.path, built.body, built.authorization).catch(() => null);
        const ok = reply !== null && failureCode(reply.status, reply.body) === null;
        if (context.seq !== undefined) shared.live?.responded(context.seq, ok);
        return ok;
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
  if (shared.live) shared.live.measuring = true;
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
