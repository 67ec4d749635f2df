// Interleaved rounds of attrql variants (node flags, environment) on one database, as used for issue 21's memory
// measurements (bench/README.md, "Memory and tail latency"):
//   node --import tsx bench/variants.ts <variants.json> [sqlite|postgresql] [rounds] [merge rate] [person rate]
// variants.json: [{ "name": "default" }, { "name": "grow50", "flags": ["--heap-growing-percent=50"], "env": {} }]
// Every variant is its own attrql process (the built bundle, node flags on its command line), all started together on
// core 0; each round runs every variant in turn (the order reversed every other round): closed-loop scenarios 1, 2, 3
// (BENCH_VARIANTS_CLOSED s each), then scenarios 1 and 2 paced at the given fixed rates for BENCH_VARIANTS_PACED s,
// and the baseline paced at the same rates. RSS is the highest 250 ms sample (as the bench takes it). Prints one JSON
// line per variant round on stderr and all of them on stdout at the end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobResult } from './load-worker.ts';
import { runWorker, type Server, sampleRss, startServer } from './processes.ts';
import type { ScenarioId } from './scenarios.ts';
import { log, openVariantRun, type Variant } from './variant-run.ts';

const [file, provider = 'sqlite', roundsArg = '3', mergeRate = '500', personRate = '450'] = process.argv.slice(2);
if (!file || (provider !== 'sqlite' && provider !== 'postgresql')) {
  throw new Error('usage: bench/variants.ts <variants.json> [sqlite|postgresql] [rounds] [merge rate] [person rate]');
}
const variants = JSON.parse(readFileSync(file, 'utf8')) as Variant[];
const rounds = Number(roundsArg);
const rates: Record<'merge' | 'person', number> = { merge: Number(mergeRate), person: Number(personRate) };
const closedSeconds = Number(process.env.BENCH_VARIANTS_CLOSED ?? 5);
const pacedSeconds = Number(process.env.BENCH_VARIANTS_PACED ?? 10);
const closedIds: ScenarioId[] = ['merge', 'person', 'persons'];
const pacedIds = ['merge', 'person'] as const;
const variantRun = await openVariantRun(provider, 'variants');
const { data, database, dir, servers, cleanUp } = variantRun;

try {
  const started: { variant: Variant; server: Server }[] = [];
  for (const variant of variants) {
    const server = await variantRun.startVariant(variant);
    started.push({ variant, server });
    log(`${variant.name}: pid ${server.pid}, ${server.url}`);
  }
  const baseline = await startServer('baseline', 'bench/baseline/server.ts', {
    DATABASE_URL: database.url,
    NODE_ENV: 'production',
  });
  servers.push(baseline);
  const attrqlUrl = (started[0] as { server: Server }).server.url;
  let jobs = 0;
  const run = (server: Server, target: 'attrql' | 'baseline', scenario: ScenarioId, rate?: number, warmup = 0) =>
    runWorker(
      {
        kind: rate === undefined ? 'closed' : 'paced',
        scenario,
        target,
        urls: [server.url],
        attrqlUrl,
        data,
        connections: 16,
        durationSeconds: rate === undefined ? closedSeconds : pacedSeconds,
        warmupSeconds: warmup,
        ...(rate === undefined ? {} : { rate }),
      },
      join(dir, `job-${++jobs}.json`),
    );
  const closedRps = (r: JobResult) => (r.kind === 'closed' ? Math.round(r.result.rps) : Number.NaN);
  const pacedP99 = (r: JobResult) => (r.kind === 'paced' ? Number(r.result.p99.toFixed(1)) : Number.NaN);
  const results: Record<string, Record<string, number>[]> = {};
  const record = (name: string, row: Record<string, number>) => {
    results[name] = [...(results[name] ?? []), row];
    log(`${name} ${JSON.stringify(row)}`);
  };
  for (let round = 1; round <= rounds; round += 1) {
    for (const { variant, server } of round % 2 === 1 ? started : [...started].reverse()) {
      const row: Record<string, number> = { round };
      const stopRound = sampleRss([server]);
      for (const id of closedIds) {
        row[`${id}_rps`] = closedRps(await run(server, 'attrql', id, undefined, round === 1 ? 2 : 0));
      }
      for (const id of pacedIds) row[`paced_${id}_p99`] = pacedP99(await run(server, 'attrql', id, rates[id]));
      row.rssMaxMiB = Math.round(stopRound());
      record(variant.name, row);
    }
    const row: Record<string, number> = { round };
    for (const id of pacedIds) row[`paced_${id}_p99`] = pacedP99(await run(baseline, 'baseline', id, rates[id]));
    record('baseline', row);
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await cleanUp();
}
