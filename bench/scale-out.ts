// Scenarios 12, 13 and 13b (issue 20, CONTRACT §12; PostgreSQL only): on a private primary the bench starts and
// seeds, scenario 2's reads on an attrql with one streaming replica (pg_basebackup -R) against one without, and
// scenarios 1 and 2 through PgBouncer (transaction pooling) against direct; rounds take turns, as in scenario 6.
// Everything started here is stopped by pid (pg_ctl by data directory, PgBouncer and attrql by their process).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findPgBouncer, startPgBouncer } from '../test/helpers/pgbouncer.ts';
import { findPostgresBinaries, startPrivatePostgres } from '../test/helpers/private-postgres.ts';
import { type Context, measureScenario } from './measure.ts';
import type { Server } from './processes.ts';
import type { ScenarioResult } from './results.ts';
import type { ScenarioId } from './scenarios.ts';
import { seed } from './seed/seed.ts';

const replicaIds: ScenarioId[] = ['person-replica'];
const bouncerIds: ScenarioId[] = ['merge-pgbouncer', 'person-pgbouncer'];
export const scaleOutIds: ScenarioId[] = [...replicaIds, ...bouncerIds];
/** The request each scenario's reference rounds send (scenario 1's or 2's). */
const referenceOf: Partial<Record<ScenarioId, ScenarioId>> = {
  'person-replica': 'person',
  'merge-pgbouncer': 'merge',
  'person-pgbouncer': 'person',
};

export interface ScaleOutRun {
  /** The context of the main run (options, log); database and data are the private primary's. */
  ctx: Pick<Context, 'options' | 'log'>;
  wanted: ScenarioId[];
  startAttrql: (databaseUrl: string, extraEnv: Record<string, string>) => Promise<Server>;
  stop: (...servers: Server[]) => Promise<void>;
  /** Registers a clean-up that also runs when the bench is interrupted. */
  onCleanup: (fn: () => Promise<void>) => void;
}

export interface ScaleOutResults {
  scenarios: ScenarioResult[];
  skipped: { id: ScenarioId; reason: string }[];
}

/** The binaries scenarios 12 and 13 need (12 also pg_basebackup, 13 PgBouncer), and what to say when one is missing. */
function tools() {
  const bin = findPostgresBinaries();
  return {
    bin,
    basebackup: bin !== undefined && existsSync(join(bin, 'pg_basebackup')),
    bouncer: findPgBouncer(),
    binReason:
      'PostgreSQL server binaries (initdb, pg_ctl) not found: set ATTRQL_PG_BINDIR, e.g. /usr/lib/postgresql/15/bin',
    basebackupReason: `pg_basebackup not found next to initdb in ${bin}`,
    bouncerReason: "PgBouncer not found (Debian's pgbouncer package, /usr/sbin/pgbouncer; or set ATTRQL_PGBOUNCER)",
  };
}

/** `attrql_db_reads_total` by target, from an instance's /metrics. */
async function readsByTarget(url: string): Promise<{ primary: number; replica: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const count = (target: string) =>
    Number(new RegExp(`^attrql_db_reads_total\\{target="${target}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { primary: count('primary'), replica: count('replica') };
}

async function untilReplicaHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = (await (await fetch(`${url}/health`)).json()) as { replicas?: { state: string }[] };
    if (body.replicas?.[0]?.state === 'healthy') return;
    if (Date.now() > deadline) throw new Error(`the replica is not healthy after 30 s: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function runScaleOut(run: ScaleOutRun): Promise<ScaleOutResults> {
  const { ctx, wanted, startAttrql, stop, onCleanup } = run;
  const replicaWanted = replicaIds.filter((id) => wanted.includes(id));
  const bouncerWanted = bouncerIds.filter((id) => wanted.includes(id));
  const found = tools();
  const skipped: ScaleOutResults['skipped'] = [];
  const skip = (ids: ScenarioId[], reason: string) => {
    for (const id of ids) {
      skipped.push({ id, reason });
      ctx.log(`skipping ${id}: ${reason}`);
    }
  };
  if (!found.bin) skip([...replicaWanted, ...bouncerWanted], found.binReason);
  else {
    if (!found.basebackup) skip(replicaWanted, found.basebackupReason);
    if (!found.bouncer) skip(bouncerWanted, found.bouncerReason);
  }
  const runReplica = found.basebackup && replicaWanted.length > 0;
  const runBouncer = found.bin !== undefined && found.bouncer !== undefined && bouncerWanted.length > 0;
  if (!runReplica && !runBouncer) return { scenarios: [], skipped };

  const bin = found.bin as string;
  ctx.log('scale-out: starting a private primary (initdb) and seeding it');
  const primary = await startPrivatePostgres(bin);
  onCleanup(async () => primary.destroy());
  const seeded = await seed({ databaseUrl: primary.url, persons: ctx.options.persons });
  const on = (referenceName: string): Context => ({
    ...ctx,
    databaseUrl: primary.url,
    orgId: seeded.orgId,
    data: { apiKey: seeded.apiKey, persons: ctx.options.persons, tokens: [], metadataETags: {} },
    referenceName,
  });
  const scenarios: ScenarioResult[] = [];

  if (runReplica) {
    ctx.log('scale-out: a streaming replica of it (pg_basebackup -R)');
    const replica = await startPrivatePostgres(bin, [], { basebackupOf: primary.port });
    onCleanup(async () => replica.destroy());
    // Both started now, so both are as cold.
    const routed = await startAttrql(primary.url, { ATTRQL_READ_REPLICA_URLS: replica.url });
    const unrouted = await startAttrql(primary.url, {});
    await untilReplicaHealthy(routed.url);
    for (const id of replicaWanted) {
      const before = await readsByTarget(routed.url);
      const result = await measureScenario(on('no replica'), id, [routed], null, [unrouted], referenceOf[id]);
      const after = await readsByTarget(routed.url);
      result.readsByTarget = { primary: after.primary - before.primary, replica: after.replica - before.replica };
      ctx.log(`${id}: reads by target during its rounds ${JSON.stringify(result.readsByTarget)}`);
      scenarios.push(result);
    }
    await stop(routed, unrouted);
    replica.destroy();
  }

  if (runBouncer) {
    ctx.log('scale-out: PgBouncer (transaction pooling) in front of the primary');
    const bouncer = await startPgBouncer(found.bouncer as string, primary.port);
    onCleanup(() => bouncer.stop());
    const pooled = await startAttrql(bouncer.url('postgres'), { ATTRQL_DIRECT_DATABASE_URL: primary.url });
    const direct = await startAttrql(primary.url, {});
    for (const id of bouncerWanted) {
      scenarios.push(await measureScenario(on('direct'), id, [pooled], null, [direct], referenceOf[id]));
    }
    await stop(pooled, direct);
    await bouncer.stop();
  }
  primary.destroy();
  return { scenarios, skipped };
}
