// CPU time per request of attrql variants (environment, node flags), for costs too small for throughput pairs to
// resolve on a shared machine (issue 19's tracing cost): a closed loop is CPU-bound, so its throughput is one over the
// server's CPU per request, and that CPU time (from /proc, the server's own process) moves far less from run to run
// than requests per second do.
//   node --import tsx bench/cpu-cost.ts <variants.json> [sqlite|postgresql] [rounds] [scenarios, comma-separated]
// variants.json: [{ "name": "off" }, { "name": "traced", "env": { "OTEL_EXPORTER_OTLP_ENDPOINT": "sink" } }]
// (also "flags": node options, "script": another build of the bundle, e.g. dist/server/before.mjs)
// An env value "sink" is replaced by the URL of an OTLP/HTTP receiver the script runs on the load generator's core.
// Each round runs every variant in turn (order reversed every other round), BENCH_CPU_SECONDS (default 5) per
// scenario, 16 connections; round 1 is preceded by a discarded warm-up run (BENCH_CPU_WARMUP s, default 5).
// Prints µs of server CPU per request.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuMicros, loadCore, runWorker, type Server, sampleRss, startServer } from './processes.ts';
import type { ScenarioId } from './scenarios.ts';
import { log, openVariantRun, type Variant } from './variant-run.ts';

const [file, provider = 'sqlite', roundsArg = '3', scenariosArg = 'merge,person'] = process.argv.slice(2);
if (!file || (provider !== 'sqlite' && provider !== 'postgresql')) {
  throw new Error('usage: bench/cpu-cost.ts <variants.json> [sqlite|postgresql] [rounds] [scenarios]');
}
const variants = JSON.parse(readFileSync(file, 'utf8')) as Variant[];
const rounds = Number(roundsArg);
const scenarios = scenariosArg.split(',') as ScenarioId[];
const seconds = Number(process.env.BENCH_CPU_SECONDS ?? 5);
// A first measured round after only 2 s of warm-up still ran 20–40% above the later ones (JIT).
const warmupSeconds = Number(process.env.BENCH_CPU_WARMUP ?? 5);
const variantRun = await openVariantRun(provider, 'cpu');
const { data, dir, servers, cleanUp } = variantRun;

try {
  const sink = variants.some((v) => Object.values(v.env ?? {}).includes('sink'))
    ? await startServer('otlp-sink', 'bench/otlp-sink.ts', {}, loadCore)
    : undefined;
  if (sink) servers.push(sink);
  const started: { variant: Variant; server: Server }[] = [];
  for (const variant of variants) {
    const env = Object.fromEntries(
      Object.entries(variant.env ?? {}).map(([k, v]) => [k, v === 'sink' ? (sink?.url ?? '') : v]),
    );
    const server = await variantRun.startVariant(variant, env);
    started.push({ variant, server });
    log(`${variant.name}: pid ${server.pid}`);
  }
  let jobs = 0;
  const run = async (server: Server, scenario: ScenarioId, durationSeconds: number) => {
    const stopRss = sampleRss([server]);
    const before = cpuMicros(server.pid);
    const result = await runWorker(
      {
        kind: 'closed',
        scenario,
        target: 'attrql',
        urls: [server.url],
        attrqlUrl: server.url,
        data,
        connections: 16,
        durationSeconds,
        warmupSeconds: 0,
      },
      join(dir, `job-${++jobs}.json`),
    );
    const cpu = cpuMicros(server.pid) - before;
    if (result.kind !== 'closed') throw new Error('expected a closed-loop result');
    return {
      rps: Math.round(result.result.rps),
      usPerRequest: Math.round(cpu / result.result.requests),
      rssMiB: Math.round(stopRss()),
    };
  };
  for (const { server } of started) for (const scenario of scenarios) await run(server, scenario, warmupSeconds);
  const results: Record<string, Record<string, number[]>> = {};
  for (let round = 1; round <= rounds; round += 1) {
    for (const { variant, server } of round % 2 === 1 ? started : [...started].reverse()) {
      for (const scenario of scenarios) {
        const measured = await run(server, scenario, seconds);
        const byScenario = results[variant.name] ?? {};
        results[variant.name] = byScenario;
        byScenario[scenario] = [...(byScenario[scenario] ?? []), measured.usPerRequest];
        log(
          `round ${round} ${variant.name} ${scenario}: ${measured.usPerRequest} µs/request, ${measured.rps} req/s, RSS max ${measured.rssMiB} MiB`,
        );
      }
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const reference = started[0]?.variant.name as string;
  for (const scenario of scenarios) {
    const base = median(results[reference]?.[scenario] ?? []);
    for (const { variant } of started) {
      const values = results[variant.name]?.[scenario] ?? [];
      const m = median(values);
      log(
        `${scenario} ${variant.name}: median ${m} µs/request (${values.join(', ')}); ×${(m / base).toFixed(3)} of ${reference}`,
      );
    }
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await cleanUp();
}
