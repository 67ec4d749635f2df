// Renders a run's results as Markdown: throughput vs the baseline, paced tail latency, memory, scale and SQL
// statements per request, each against issue 8's targets (✓/✗).
import type { DatabaseResults, RunResults, ScenarioResult } from './results.ts';
import type { ScenarioId } from './scenarios.ts';

type Provider = DatabaseResults['provider'];

/** Minimum attrql/baseline throughput ratio (issue 8, "Targets"). */
export function ratioTarget(provider: Provider, id: ScenarioId): number | null {
  if (id === 'persons') return 0.2;
  if (id === 'person-light') return provider === 'postgresql' ? 0.8 : null;
  if (['merge', 'person', 'uuid-metadata', 'my-attributes'].includes(id)) return provider === 'postgresql' ? 0.5 : 0.25;
  return null;
}

export const targets = {
  pacedP99Ms: 25,
  rateLimitCost: 0.1,
  twoProcessesMaxMs: 1000,
  loadRssMiB: 200,
  idleRssMiB: 120,
  scaleSlowdown: 1.5,
};

const mark = (ok: boolean) => (ok ? '✓' : '✗');
const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');
const ms = (value: number) =>
  Number.isFinite(value) ? (value < 10 ? value.toFixed(1) : Math.round(value).toString()) : '—';
const dbName = (provider: Provider) => (provider === 'sqlite' ? 'SQLite' : 'PostgreSQL');
const errorCount = (errors: Record<string, number>) => Object.values(errors).reduce((sum, n) => sum + n, 0);
const errorText = (errors: Record<string, number>) =>
  errorCount(errors) === 0
    ? '0'
    : Object.entries(errors)
        .map(([code, n]) => `${n} ${code}`)
        .join(', ');

function throughputRow(db: DatabaseResults, scenario: ScenarioResult): string {
  const a = scenario.attrql.median;
  const b = scenario.baseline?.median;
  const statements = db.statements[scenario.id];
  let ratio = '—';
  let target = '—';
  if (b) {
    const value = a.rps / b.rps;
    ratio = `${value.toFixed(3)}×`;
    const wanted = ratioTarget(db.provider, scenario.id);
    if (wanted !== null) target = `≥ ${wanted}× ${mark(value >= wanted)}`;
  } else if (scenario.id === 'merge-rate-limited') {
    const merge = db.scenarios.find((s) => s.id === 'merge');
    if (merge) {
      const cost = merge.attrql.median.rps / a.rps - 1;
      ratio = `cost ${(cost * 100).toFixed(1)}% vs 1`;
      target = `≤ ${targets.rateLimitCost * 100}% ${mark(cost <= targets.rateLimitCost)}`;
    }
  } else if (scenario.id === 'merge-two-processes') {
    const ok = a.max <= targets.twoProcessesMaxMs && errorCount(a.errors) === 0;
    ratio = `max ${ms(a.max)} ms`;
    target = `max ≤ 1 s, no error ${mark(ok)}`;
  }
  return `| ${dbName(db.provider)} | ${scenario.title} | ${int(a.rps)} | ${b ? int(b.rps) : '—'} | ${ratio} | ${target} | ${ms(a.p50)} / ${ms(a.p99)} | ${b ? `${ms(b.p50)} / ${ms(b.p99)}` : '—'} | ${int(scenario.attrql.rssMiB)} | ${statements ?? '—'} | ${errorText(a.errors)}${b && errorCount(b.errors) > 0 ? ` (baseline: ${errorText(b.errors)})` : ''} |`;
}

export function renderReport(results: RunResults): string {
  const o = results.options;
  const lines: string[] = [];
  lines.push(
    `### Throughput: ${o.connections} connections, median of ${o.rounds} × ${o.durationSeconds} s (after ${o.warmupSeconds} s warm-up), ${results.databases[0]?.persons.toLocaleString('en-US') ?? '?'} persons`,
    '',
    '| database | scenario | attrql req/s | baseline req/s | attrql / baseline | target | attrql p50 / p99 ms | baseline p50 / p99 ms | attrql RSS MiB | SQL / request | errors |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const db of results.databases) for (const scenario of db.scenarios) lines.push(throughputRow(db, scenario));

  const paced = results.databases.flatMap((db) => db.paced.map((p) => ({ db, p })));
  if (paced.length > 0) {
    lines.push(
      '',
      `### Tail latency at a fixed, evenly paced rate: 50% of attrql's maximum, ${o.pacedSeconds} s`,
      '',
      '| database | scenario | rate req/s | attrql p50 / p99 / max ms | baseline p50 / p99 / max ms | target: attrql p99 ≤ 25 ms | attrql RSS MiB | errors (attrql / baseline) |',
      '| --- | --- | ---: | ---: | ---: | --- | ---: | --- |',
    );
    for (const { db, p } of paced) {
      const a = p.attrql;
      const b = p.baseline;
      lines.push(
        `| ${dbName(db.provider)} | ${p.title} | ${int(p.rate)} | ${ms(a.p50)} / ${ms(a.p99)} / ${ms(a.max)} | ${ms(b.p50)} / ${ms(b.p99)} / ${ms(b.max)} | ${mark(a.p99 <= targets.pacedP99Ms)} | ${int(p.attrqlRssMiB)} | ${a.errors} / ${b.errors} |`,
      );
    }
  }

  lines.push(
    '',
    '### Server memory (RSS, MiB)',
    '',
    '| database | attrql idle | attrql under load (max) | baseline idle | baseline under load (max) | target: ≤ 120 idle, ≤ 200 under load |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const db of results.databases) {
    const single = db.scenarios.filter((s) => s.id !== 'merge-two-processes');
    const loadA = Math.max(...single.map((s) => s.attrql.rssMiB), ...db.paced.map((p) => p.attrqlRssMiB));
    const loadB = Math.max(0, ...single.map((s) => s.baseline?.rssMiB ?? 0));
    lines.push(
      `| ${dbName(db.provider)} | ${int(db.idleRssMiB.attrql)} | ${int(loadA)} | ${int(db.idleRssMiB.baseline)} | ${int(loadB)} | ${mark(db.idleRssMiB.attrql <= targets.idleRssMiB && loadA <= targets.loadRssMiB)} |`,
    );
  }

  if (results.scale.length >= 2) {
    const [small, large] = [results.scale[0], results.scale[results.scale.length - 1]] as const;
    if (small && large) {
      lines.push(
        '',
        `### Scale on SQLite: ${small.persons.toLocaleString('en-US')} vs ${large.persons.toLocaleString('en-US')} persons`,
        '',
        `| scenario | attrql req/s at ${int(small.persons)} | at ${int(large.persons)} | slowdown | target ≤ ${targets.scaleSlowdown}× | baseline at ${int(small.persons)} | at ${int(large.persons)} | baseline slowdown |`,
        '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
      );
      for (const s of small.scenarios) {
        const l = large.scenarios.find((x) => x.id === s.id);
        if (!l) continue;
        const slowdown = s.attrql.median.rps / l.attrql.median.rps;
        const bs = s.baseline?.median.rps ?? Number.NaN;
        const bl = l.baseline?.median.rps ?? Number.NaN;
        lines.push(
          `| ${s.title} | ${int(s.attrql.median.rps)} | ${int(l.attrql.median.rps)} | ${slowdown.toFixed(2)}× | ${mark(slowdown <= targets.scaleSlowdown)} | ${int(bs)} | ${int(bl)} | ${(bs / bl).toFixed(2)}× |`,
        );
      }
      lines.push(
        '',
        `Bytes per person on disk: ${results.scale.map((s) => `${int(s.bytesPerPerson)} at ${int(s.persons)}`).join(', ')}` +
          `; seeding took ${results.scale.map((s) => `${s.seedSeconds.toFixed(0)} s${s.reused ? ' (in an earlier run, reused)' : ''}`).join(' and ')}.`,
      );
    }
  }

  const keys = [...new Set(results.databases.flatMap((db) => Object.keys(db.statements)))];
  if (keys.length > 0) {
    lines.push(
      '',
      '### SQL statements per request (attrql in-process, after one warm-up request)',
      '',
      `| request | ${results.databases.map((db) => dbName(db.provider)).join(' | ')} |`,
      `| --- |${results.databases.map(() => ' ---: |').join('')}`,
    );
    for (const key of keys) {
      lines.push(`| ${key} | ${results.databases.map((db) => db.statements[key] ?? '—').join(' | ')} |`);
    }
    for (const db of results.databases) {
      const pages = Object.entries(db.statements).filter(([key]) => key.startsWith('persons(first:'));
      if (pages.length > 1) {
        const constant = new Set(pages.map(([, n]) => n)).size === 1;
        lines.push('', `${dbName(db.provider)}: statements constant in page size ${mark(constant)}`);
      }
    }
  }

  const exits = results.unexpectedExits ?? [];
  if (exits.length > 0) {
    lines.push(
      '',
      `Note: ${exits.length} server process(es) died during the run (${exits.map((e) => `${e.name}: ${e.status}`).join(', ')}), e.g. killed from outside; each was restarted and the job it was in repeated.`,
    );
  }
  const m = results.machine;
  lines.push(
    '',
    `Machine: ${m.nproc} cores (${m.cpu}), Node ${m.node}, ${m.os}; attrql at ${m.commit}; server on core 0, load generator on core 1; ${results.startedAt}, ${Math.round(results.seconds)} s.`,
  );
  return lines.join('\n');
}
