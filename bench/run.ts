// npm run bench -- [--quick] [--skip-scale] [--readme] … (see args.ts): issue 8's benchmark. For each database:
// seed, count SQL statements per request, then closed-loop rounds of every scenario against attrql and the
// baseline (and scenarios 8 and 8b, merges with 100 live subscribers, after scenario 1), paced tail latency at half of
// attrql's maximum, the rate-limited merge (6), two processes on one SQLite file (7), fan-out, metrics and tracing
// (9–11), webhooks (14; bench/webhook-scenario.ts) and, on PostgreSQL, a read replica and PgBouncer (12, 13;
// bench/scale-out.ts); then scenarios 2 and 3 at two sizes on SQLite. Markdown on stdout, JSON in bench/results/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchOptions, parseBenchArgs } from './args.ts';
import { type BenchDatabase, dataDir, postgresDatabase, sqliteDatabase } from './databases.ts';
import { personId } from './fixture.ts';
import { graphql } from './http.ts';
import { fanoutKeys } from './live.ts';
import { machineInfo } from './machine.ts';
import { type Context, jobDir, measurePaced, measureScenario } from './measure.ts';
import { peerId, runPeer } from './peer.ts';
import { attrqlEnv, loadCore, repoRoot, rssMiB, type Server, startServer, unexpectedExits } from './processes.ts';
import { writeReadme } from './readme.ts';
import { renderReport } from './report.ts';
import type { BeforeRun, DatabaseResults, RunResults, ScaleSize, ScenarioResult } from './results.ts';
import { runScaleOut, scaleOutIds } from './scale-out.ts';
import type { LoadData, ScenarioId } from './scenarios.ts';
import { type SeedResult, seed, seedSubscriberOrg } from './seed/seed.ts';
import type { StatementCounts, StatementsJob } from './statements.ts';
import { measureWebhooks, type WebhookResult } from './webhook-scenario.ts';

const started = Date.now();
const options = parseBenchArgs(process.argv.slice(2));
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

/** High enough that no request is refused: what scenario 6 measures is the limiter's cost per request. */
const rateLimitForScenario6 = '1000000000';
/**
 * Run on one attrql process, in this order: scenario 8 right after its reference (the same merges without
 * subscribers), so that their comparison sees the same drift; 8b after 8 (compared with 1).
 */
const mainScenarios: ScenarioId[] = [
  'merge',
  'merge-live-ref',
  'merge-live',
  'merge-live-all',
  'person',
  'person-light',
  'persons',
  'uuid-metadata',
  'my-attributes',
];

const cleanups: (() => Promise<void>)[] = [];

log('building the attrql server bundle (npm run build:server)');
execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: repoRoot, stdio: 'inherit' });
async function cleanUp(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => {});
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping servers and dropping bench databases`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function start(
  name: string,
  script: string,
  env: Record<string, string>,
  core?: string,
  nodeBinary?: string,
): Promise<Server> {
  const server = await startServer(name, script, env, core, nodeBinary);
  cleanups.push(() => server.stop());
  return server;
}

// attrql runs as `npm start` runs it: the bundle build:server makes (built once, at the start of the run).
const startAttrql = (databaseUrl: string, rateLimit?: string, extraEnv: Record<string, string> = {}) =>
  start('attrql', 'dist/server/main.mjs', { ...attrqlEnv(databaseUrl, rateLimit), ...extraEnv });

/**
 * Scenarios 10 and 11 (issue 19): attrql with metrics off, and with every request traced to an OTLP receiver the
 * bench runs on core 1; each against the main attrql (metrics on, tracing off: the default) in rounds taking turns.
 */
const observabilityScenarios: {
  id: ScenarioId;
  reference: ScenarioId;
  env: (sink: string) => Record<string, string>;
}[] = [
  { id: 'merge-metrics-off', reference: 'merge', env: () => ({ ATTRQL_METRICS: 'false' }) },
  { id: 'person-metrics-off', reference: 'person', env: () => ({ ATTRQL_METRICS: 'false' }) },
  {
    id: 'merge-tracing',
    reference: 'merge',
    env: (sink) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: sink, OTEL_TRACES_SAMPLER: 'always_on' }),
  },
  {
    id: 'person-tracing',
    reference: 'person',
    env: (sink) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: sink, OTEL_TRACES_SAMPLER: 'always_on' }),
  },
];
const startBaseline = (databaseUrl: string) =>
  start('baseline', 'bench/baseline/server.ts', { DATABASE_URL: databaseUrl, NODE_ENV: 'production' });

async function stop(...servers: Server[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
}

/** Person tokens for scenario 5, minted by attrql's mintPersonToken, each for its own person. */
async function mintTokens(url: string, apiKey: string, count: number): Promise<string[]> {
  const query =
    'mutation Mint($id: ID!) { mintPersonToken(input: { personId: $id, scopes: ["user:attributes:read", "user:attributes:write"], expiresInSeconds: 86400 }) { token } }';
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 8) {
    const batch = Array.from({ length: Math.min(8, count - i) }, (_, k) => personId(i + k));
    const minted = await Promise.all(
      batch.map((id) => graphql<{ mintPersonToken: { token: string } }>(url, query, { id }, apiKey)),
    );
    tokens.push(...minted.map((m) => m.mintPersonToken.token));
  }
  return tokens;
}

function countStatements(databaseUrl: string, job: StatementsJob, rateLimit = '0'): StatementCounts {
  const file = join(dataDir, `statements-${process.pid}.json`);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(job));
  try {
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'bench/statements.ts', file], {
      cwd: repoRoot,
      env: { ...process.env, ...attrqlEnv(databaseUrl, rateLimit) },
      encoding: 'utf8',
    });
    return JSON.parse(output.trim().split('\n').pop() as string) as StatementCounts;
  } finally {
    rmSync(file, { force: true });
  }
}

const wanted = (id: ScenarioId, provider: 'sqlite' | 'postgresql' = 'sqlite') =>
  (provider === 'postgresql' ? options.postgresScenarios : options.scenarios).includes(id);

async function runDatabase(provider: 'sqlite' | 'postgresql'): Promise<DatabaseResults> {
  const database: BenchDatabase =
    provider === 'sqlite' ? sqliteDatabase(`run-${process.pid}`) : await postgresDatabase('run');
  cleanups.push(() => database.drop());
  log(`${provider}: seeding ${options.persons} persons`);
  const seeded = await seed({ databaseUrl: database.url, persons: options.persons });
  const data: LoadData = {
    apiKey: seeded.apiKey,
    orgId: seeded.orgId,
    persons: options.persons,
    tokens: [],
    metadataETags: {},
  };
  const ctx: Context = {
    options,
    databaseUrl: database.url,
    orgId: seeded.orgId,
    data,
    log: (line) => log(`${provider}: ${line}`),
  };
  const main = mainScenarios.filter((id) => wanted(id, provider));

  const attrql = await startAttrql(database.url);
  const baseline = await startBaseline(database.url);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRssMiB = { attrql: rssMiB(attrql.pid), baseline: rssMiB(baseline.pid) };
  ctx.log(`idle RSS: attrql ${idleRssMiB.attrql.toFixed(0)} MiB, baseline ${idleRssMiB.baseline.toFixed(0)} MiB`);
  if (wanted('my-attributes', provider)) {
    data.tokens = await mintTokens(attrql.url, seeded.apiKey, Math.min(options.persons, options.quick ? 32 : 256));
  }

  ctx.log('counting SQL statements per request');
  // Scenarios 8, 8b and 8's reference send scenario 1's request; in-process there are no subscribers to count for.
  const statementScenarios = main.filter(
    (id) => !id.startsWith('merge-live') && (id !== 'my-attributes' || data.tokens.length > 0),
  );
  const statements = countStatements(database.url, {
    data: { ...data, metadataETags: {} },
    scenarios: statementScenarios,
    pageSizes: wanted('persons', provider) ? [1, 10, 100] : [],
  });
  if (wanted('merge-rate-limited', provider)) {
    const limited = countStatements(database.url, { data, scenarios: ['merge'], pageSizes: [] }, rateLimitForScenario6);
    statements['merge-rate-limited'] = limited.merge as number;
  }
  ctx.log(`statements: ${JSON.stringify(statements)}`);

  const scenarioResults: ScenarioResult[] = [];
  for (const id of main) scenarioResults.push(await measureScenario(ctx, id, [attrql], baseline));

  const paced = [];
  for (const id of options.pacedScenarios) {
    const measured = scenarioResults.find((s) => s.id === id);
    if (!measured) continue;
    paced.push(await measurePaced(ctx, id, Math.max(1, measured.attrql.median.rps / 2), attrql, baseline));
  }
  const skipped: { id: ScenarioId; reason: string }[] = [];
  if (provider === 'postgresql' && wanted(peerId, provider)) {
    const peer = await runPeer({
      ctx,
      attrql,
      personId: personId(0),
      startPeer: (script, nodeBinary) =>
        start(
          'postgraphile',
          script,
          { DATABASE_URL: database.url, GRAPHILE_ENV: 'production' },
          undefined,
          nodeBinary,
        ),
      stop,
    });
    if ('skipped' in peer) skipped.push({ id: peerId, reason: peer.skipped });
    else {
      scenarioResults.push(peer.scenario);
      paced.push(peer.paced);
    }
  }
  if (wanted('merge-rate-limited', provider)) {
    // Its rounds take turns with the limiter-off server's (same requests, same database, same minutes).
    const limited = await startAttrql(database.url, rateLimitForScenario6);
    scenarioResults.push(await measureScenario(ctx, 'merge-rate-limited', [limited], null, [attrql]));
    await stop(limited);
  }
  if (wanted('merge-fanout', provider)) {
    // Issue 23: the same server, rounds with the other organization's subscribers open taking turns with rounds of
    // scenario 1 without them.
    data.subscriberKeys = await seedSubscriberOrg(database.url, fanoutKeys);
    const fanoutCtx = { ...ctx, referenceName: 'no subscribers' };
    scenarioResults.push(await measureScenario(fanoutCtx, 'merge-fanout', [attrql], null, [attrql], 'merge'));
  }
  const observability = observabilityScenarios.filter((o) => wanted(o.id, provider));
  if (observability.length > 0) {
    const sink = observability.some((o) => o.id.endsWith('-tracing'))
      ? await start('otlp-sink', 'bench/otlp-sink.ts', {}, loadCore)
      : null;
    for (const o of observability) {
      // Both started now, so both are as cold (the main process has run every scenario before).
      const variant = await startAttrql(database.url, undefined, o.env(sink?.url ?? ''));
      const reference = await startAttrql(database.url);
      const variantCtx = { ...ctx, referenceName: 'metrics on, tracing off' };
      scenarioResults.push(await measureScenario(variantCtx, o.id, [variant], null, [reference], o.reference));
      await stop(variant, reference);
      if (sink) ctx.log(`OTLP receiver so far: ${await (await fetch(`${sink.url}/stats`)).text()}`);
    }
    if (sink) await stop(sink);
  }
  await stop(attrql);

  // Scenario 14 (issue 22): its own attrql (webhooks to loopback allowed), organizations, writers and receivers.
  let webhooks: WebhookResult | undefined;
  if (wanted('merge-webhooks', provider)) {
    webhooks = await measureWebhooks({
      databaseUrl: database.url,
      startAttrql: (env) => startAttrql(database.url, undefined, env),
      stop,
      rounds: options.rounds,
      roundSeconds: Math.min(options.durationSeconds, 5),
      pacedSeconds: options.pacedSeconds,
      clients: options.connections,
      log: ctx.log,
    });
  }

  // Scenarios 12 and 13 (issue 20): on a private primary of their own, with a replica or PgBouncer in front.
  const scaleOut =
    provider === 'postgresql'
      ? await runScaleOut({
          ctx,
          wanted: scaleOutIds.filter((id) => wanted(id, provider)),
          startAttrql: (url, env) => startAttrql(url, undefined, env),
          stop,
          onCleanup: (fn) => cleanups.push(fn),
        })
      : { scenarios: [], skipped: [] };
  scenarioResults.push(...scaleOut.scenarios);
  skipped.push(...scaleOut.skipped);

  if (wanted('merge-two-processes') && provider === 'sqlite') {
    const first = await startAttrql(database.url);
    const second = await startAttrql(database.url);
    scenarioResults.push(await measureScenario(ctx, 'merge-two-processes', [first, second], null));
    await stop(first, second);
  }
  await stop(baseline);
  await database.drop();
  return {
    provider,
    persons: options.persons,
    seedSeconds: seeded.seconds,
    bytesPerPerson: seeded.bytesPerPerson,
    statements,
    idleRssMiB,
    scenarios: scenarioResults,
    paced,
    ...(webhooks ? { webhooks } : {}),
    ...(skipped.length > 0 ? { skipped } : {}),
  };
}

/** A scale database: seeded once into bench/.data/scale-N and reused by later runs (unless --reseed). */
async function scaleDatabase(persons: number): Promise<{ seeded: SeedResult; reused: boolean }> {
  const dir = join(dataDir, `scale-${persons}`);
  const marker = join(dir, 'seed.json');
  if (!options.reseed && existsSync(marker)) {
    return { seeded: JSON.parse(readFileSync(marker, 'utf8')) as SeedResult, reused: true };
  }
  const database = sqliteDatabase(`scale-${persons}`);
  log(`scale: seeding ${persons.toLocaleString('en-US')} persons on SQLite`);
  const seeded = await seed({ databaseUrl: database.url, persons });
  writeFileSync(marker, JSON.stringify(seeded));
  return { seeded, reused: false };
}

async function runScale(): Promise<ScaleSize[]> {
  const sizes: ScaleSize[] = [];
  for (const persons of options.scaleSizes) {
    const { seeded, reused } = await scaleDatabase(persons);
    const ctx: Context = {
      options,
      databaseUrl: seeded.databaseUrl,
      orgId: seeded.orgId,
      data: { apiKey: seeded.apiKey, persons, tokens: [], metadataETags: {} },
      log: (line) => log(`scale ${persons.toLocaleString('en-US')}: ${line}`),
    };
    const attrql = await startAttrql(seeded.databaseUrl);
    const baseline = await startBaseline(seeded.databaseUrl);
    const scenarios: ScenarioResult[] = [];
    for (const id of ['person', 'persons'] as ScenarioId[]) {
      if (wanted(id)) scenarios.push(await measureScenario(ctx, id, [attrql], baseline));
    }
    await stop(attrql, baseline);
    sizes.push({ persons, bytesPerPerson: seeded.bytesPerPerson, seedSeconds: seeded.seconds, reused, scenarios });
  }
  return sizes;
}

/** Scenario 1 of an earlier run's results (--before), e.g. measured on the commit before issue 11. */
function readBefore(file: string): BeforeRun {
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as RunResults;
  const merge: BeforeRun['merge'] = {};
  const statements: BeforeRun['statements'] = {};
  for (const db of earlier.databases) {
    const scenario = db.scenarios.find((s) => s.id === 'merge');
    if (scenario) merge[db.provider] = scenario.attrql.median.rps;
    statements[db.provider] = db.statements;
  }
  if (Object.keys(merge).length === 0) throw new Error(`${file} has no scenario 1 (merge) results`);
  return {
    file,
    commit: earlier.machine.commit,
    startedAt: earlier.startedAt,
    quick: earlier.options.quick,
    persons: earlier.databases[0]?.persons ?? 0,
    connections: earlier.options.connections,
    merge,
    statements,
  };
}

async function main(opts: BenchOptions): Promise<void> {
  if (opts.before) readBefore(opts.before); // fail now, not after the run
  cleanups.unshift(async () => rmSync(jobDir, { recursive: true, force: true }));
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  log(`attrql ${machine.commit}, ${machine.nproc} cores (${machine.cpu}), Node ${machine.node}`);
  const databases: DatabaseResults[] = [];
  for (const provider of opts.databases) databases.push(await runDatabase(provider));
  const scale = opts.scaleSizes.length > 0 ? await runScale() : [];
  const before = opts.before ? readBefore(opts.before) : undefined;
  const results: RunResults = {
    startedAt,
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    options: opts,
    machine,
    databases,
    scale,
    unexpectedExits,
    ...(before ? { before } : {}),
  };
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(dir, `${startedAt.replace(/[:.]/g, '-')}${opts.quick ? '-quick' : ''}.json`), json);
  writeFileSync(join(dir, 'latest.json'), json);
  process.stdout.write(`${renderReport(results)}\n`);
  if (opts.readme) {
    writeReadme(results);
    log('README.md: Performance section written');
  }
  log(`done in ${Math.round(results.seconds)} s; raw results in bench/results/latest.json`);
}

try {
  await main(options);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
process.exit(process.exitCode ?? 0);
