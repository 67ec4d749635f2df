// One scenario against attrql and its baseline: warm-up, then measured rounds taking turns (attrql, baseline,
// attrql, …) so drift on the machine hits both alike; the round with the median req/s represents each.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './args.ts';
import { metadataETags } from './databases.ts';
import type { DeliveryStats } from './live.ts';
import type { LoadResult } from './load.ts';
import type { JobResult, LoadJob } from './load-worker.ts';
import type { PacedResult } from './paced.ts';
import { cpuMicros, runWorker, type Server, sampleRss } from './processes.ts';
import type { Measured, PacedComparison, ScenarioResult } from './results.ts';
import { type LoadData, type ScenarioId, scenarios, type Target } from './scenarios.ts';

/** Where the load jobs' files go (removed at the end of the run). */
export const jobDir = mkdtempSync(join(tmpdir(), 'attrql-bench-'));
let jobCount = 0;

export interface Context {
  options: BenchOptions;
  databaseUrl: string;
  orgId: string;
  data: LoadData;
  log: (line: string) => void;
  /** How the progress log names the reference rounds (scenario 6: "limiter off"). */
  referenceName?: string;
}

async function job(
  ctx: Context,
  id: ScenarioId,
  target: Target,
  servers: Server[],
  attrqlUrl: string,
  extra: Pick<LoadJob, 'kind' | 'durationSeconds' | 'rate' | 'warmupSeconds' | 'drainSeconds'>,
): Promise<JobResult> {
  // Scenario 4 starts every job from the eTags stored now, once the writes of the previous job (still running on
  // the server when its load generator stopped) are done.
  let data = ctx.data;
  if (id === 'uuid-metadata') {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    data = { ...ctx.data, metadataETags: await metadataETags(ctx.databaseUrl, ctx.orgId) };
  }
  for (let attempt = 1; ; attempt += 1) {
    let restarted = false;
    for (const server of servers) restarted = (await server.ensureRunning()) || restarted;
    const generations = servers.map((server) => server.generation);
    // A restarted server is cold again: warm it up first, whatever the round.
    const warmupSeconds = restarted && extra.kind === 'closed' ? ctx.options.warmupSeconds : extra.warmupSeconds;
    if (restarted) ctx.log(`${target} had died and was restarted (killed from outside?)`);
    const result = await runWorker(
      {
        scenario: id,
        target,
        urls: servers.map((server) => server.url),
        attrqlUrl,
        data,
        connections: ctx.options.connections,
        drainSeconds: ctx.options.drainSeconds,
        ...extra,
        warmupSeconds,
      },
      join(jobDir, `job-${++jobCount}.json`),
    );
    // A server that died during the job (killed from outside) makes the job worthless: once more, restarted.
    for (const server of servers) await server.ensureRunning();
    const died = servers.some((server, i) => server.generation !== generations[i]);
    if (!died) return result;
    if (attempt === 3) throw new Error(`${target} died during three attempts at a ${id} job`);
    ctx.log(`${target} died during a ${id} job: restarted, repeating the job`);
  }
}

function median(rounds: LoadResult[]): LoadResult {
  return [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)] as LoadResult;
}

/** Scenario 8's and 8b's deliveries, for the progress log. */
export const deliverySummary = (d: DeliveryStats | undefined) =>
  d
    ? `; delivery to ${d.subscribers} subscribers p50 ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms` +
      ` (${d.deliveries}/${d.expectedDeliveries ?? d.measuredMerges * d.subscribers}), lost ${d.lost}, duplicated ${d.duplicated}` +
      `${d.misrouted ? `, misrouted ${d.misrouted}` : ''}` +
      `${d.unexpected ? `, unexpected ${d.unexpected}` : ''}${d.ended ? `, ${d.ended} ended (${d.endedSample})` : ''}` +
      `, drained in ${d.drainSeconds.toFixed(1)} s, load generator ${d.generatorCpuPercent.toFixed(0)}% CPU`
    : '';

const summary = (r: LoadResult) =>
  `${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.serverCpuMicros === undefined ? '' : `, server CPU ${Math.round(r.serverCpuMicros)} µs/request`}${Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''}${deliverySummary(r.delivery)}`;

/**
 * Closed-loop rounds of one scenario; `baseline` null for scenarios compared with attrql itself (6, 7).
 * `reference`: other attrql servers sent the same requests in rounds taking turns with `attrql`'s (scenario 6), or
 * `referenceId`'s requests (the fan-out scenario: scenario 1's, without its subscribers, on the same server).
 */
export async function measureScenario(
  ctx: Context,
  id: ScenarioId,
  attrql: Server[],
  baseline: Server | null,
  reference: Server[] | null = null,
  referenceId: ScenarioId = id,
): Promise<ScenarioResult> {
  const { options, log } = ctx;
  const scenario = scenarios[id];
  const attrqlUrl = (attrql[0] as Server).url;
  type Side = 'attrql' | 'baseline' | 'reference';
  const sides: { side: Side; target: Target; servers: Server[] }[] = [
    { side: 'attrql', target: 'attrql', servers: attrql },
  ];
  if (baseline && scenario.hasBaseline) sides.push({ side: 'baseline', target: 'baseline', servers: [baseline] });
  if (reference) sides.push({ side: 'reference', target: 'attrql', servers: reference });
  const rounds = new Map<Side, { results: LoadResult[]; rss: number }>(
    sides.map((side) => [side.side, { results: [], rss: 0 }]),
  );
  for (let round = 1; round <= options.rounds; round += 1) {
    for (const side of sides) {
      const stopSampling = sampleRss(side.servers);
      // The first round of each side starts with the warm-up, in the same load generator process.
      const warmupSeconds = round === 1 ? options.warmupSeconds : 0;
      const url = side.side === 'reference' ? (side.servers[0] as Server).url : attrqlUrl;
      const name = side.side === 'reference' ? `reference (${ctx.referenceName ?? 'limiter off'})` : side.side;
      const jobId = side.side === 'reference' ? referenceId : id;
      const serverCpu = () => side.servers.reduce((sum, server) => sum + cpuMicros(server.pid), 0);
      const cpuBefore = serverCpu();
      let result = await job(ctx, jobId, side.target, side.servers, url, {
        kind: 'closed',
        durationSeconds: options.durationSeconds,
        warmupSeconds,
      });
      // CPU per request only where the round's CPU time is all the measured requests' (no warm-up in it).
      if (result.kind === 'closed' && warmupSeconds === 0 && result.result.requests > 0) {
        const used = serverCpu() - cpuBefore;
        if (Number.isFinite(used)) result.result.serverCpuMicros = used / result.result.requests;
      }
      // Not one response in the whole round: the server was stalled (a starved core); such a round means nothing.
      for (let retry = 1; retry <= 2 && result.kind === 'closed' && result.result.requests === 0; retry += 1) {
        log(`${scenario.title}: ${name} answered nothing in ${options.durationSeconds} s; repeating the round`);
        result = await job(ctx, jobId, side.target, side.servers, url, {
          kind: 'closed',
          durationSeconds: options.durationSeconds,
          warmupSeconds: options.warmupSeconds,
        });
      }
      const rss = stopSampling();
      if (result.kind !== 'closed') throw new Error('expected a closed-loop result');
      const entry = rounds.get(side.side) as { results: LoadResult[]; rss: number };
      entry.results.push(result.result);
      entry.rss = Math.max(entry.rss, rss);
      const warm = warmupSeconds ? ` (after ${warmupSeconds} s warm-up)` : '';
      log(`${scenario.title}: ${name} round ${round}/${options.rounds}${warm}: ${summary(result.result)}`);
    }
  }
  const measured = (side: Side): Measured | null => {
    const entry = rounds.get(side);
    return entry ? { median: median(entry.results), rounds: entry.results, rssMiB: entry.rss } : null;
  };
  return {
    id,
    title: scenario.title,
    attrql: measured('attrql') as Measured,
    baseline: measured('baseline'),
    ...(reference ? { reference: measured('reference') } : {}),
  };
}

/** Tail latency at `rate` requests per second, evenly paced, against attrql and then the baseline (if any). */
export async function measurePaced(
  ctx: Context,
  id: ScenarioId,
  rate: number,
  attrql: Server,
  baseline: Server | null,
): Promise<PacedComparison> {
  const run = async (target: Target, server: Server) => {
    ctx.log(`${scenarios[id].title}: ${target} paced at ${Math.round(rate)} req/s for ${ctx.options.pacedSeconds} s`);
    const stopSampling = sampleRss([server]);
    const result = await job(ctx, id, target, [server], attrql.url, {
      kind: 'paced',
      durationSeconds: ctx.options.pacedSeconds,
      rate,
    });
    const rss = stopSampling();
    if (result.kind !== 'paced') throw new Error('expected a paced result');
    const r = result.result;
    ctx.log(
      `  p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, errors ${r.errors}${deliverySummary(r.delivery)}`,
    );
    return { result: r, rss };
  };
  const a = await run('attrql', attrql);
  const b = baseline && scenarios[id].hasBaseline ? await run('baseline', baseline) : null;
  return {
    id,
    title: scenarios[id].title,
    rate,
    attrql: a.result as PacedResult,
    baseline: b?.result ?? null,
    attrqlRssMiB: a.rss,
  };
}
