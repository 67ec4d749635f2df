// Writes a run's table and machine into the README's "Performance" section (the last section; created when
// missing). As a script, `npm run bench:readme [results.json]` uses bench/results/latest.json by default.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './processes.ts';
import { renderReport } from './report.ts';
import type { RunResults } from './results.ts';

const heading = '## Performance';

export function performanceSection(results: RunResults): string {
  return [
    heading,
    '',
    'Measured by `npm run bench` (issue 8): attrql against a minimal `node:http` + raw-driver baseline that does the',
    'same work on the same tables (`bench/baseline/`), with autocannon, the server pinned to one core and the load',
    'generator to another. Raw results: `bench/results/`. `npm run bench -- --quick` is the short version CI runs.',
    "Scenario 8 (issue 11) runs scenario 1's merges on 100 persons with 100 `personChanges` subscriptions open over",
    'SSE, each following one of those persons, and measures delivery latency from each merge request to its',
    'subscriber; 8b has the 100 subscribers follow the whole feed (each merge delivered 100 times).',
    'Scenarios 9–11 are judged against a default attrql in rounds taking turns: 9 (issue 23) runs scenario 1 with',
    "5,000 SSE subscriptions open to another organization's feed, 10 and 10b (issue 19) scenarios 1 and 2 with",
    '`ATTRQL_METRICS=false`, 11 and 11b with every request traced to an OTLP receiver the bench runs.',
    '`bench/README.md` describes them, and how to compare with a run from before the change log (`--before`).',
    '',
    "Memory: each database's scenarios run on one attrql process, so its RSS under load is the highest of the whole",
    'run. Most of it is dead objects V8 lets pile up between full GCs (a live heap of 30–50 MiB, an old generation',
    'filling to 130–230 MiB). `node --heap-growing-percent=50 dist/server/main.mjs` keeps it near 200 MiB without a cap,',
    'but costs person reads about 20%, so attrql does not set it; a heap cap (`--max-old-space-size=192`) ends the',
    'process on a page of 100 large persons. `bench/README.md` ("Memory and tail latency") has the measurements.',
    '',
    "Tail latency: the paced runs' slow requests come in bursts of 50–150 ms, a few per 10 s run, each ending at an",
    "old-generation GC of attrql's process (`BENCH_SERVER_NODE_ARGS=--trace-gc`): V8's marking and sweeping threads",
    'share the one core the server is pinned to, so requests queue behind them, although the event loop itself is',
    'never blocked for more than about 40 ms. Fewer objects surviving young-generation GCs makes these rarer.',
    '',
    renderReport(results),
    '',
  ].join('\n');
}

/** The README with its Performance section replaced (or appended at the end). */
export function withPerformanceSection(readme: string, section: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start === -1) return `${readme.trimEnd()}\n\n${section}`;
  const next = readme.indexOf('\n## ', start + heading.length + 1);
  const rest = next === -1 ? '' : readme.slice(next);
  return `${readme.slice(0, start + 1)}${section}${rest ? `\n${rest.trimStart()}` : ''}`;
}

export function writeReadme(results: RunResults): void {
  const path = join(repoRoot, 'README.md');
  writeFileSync(path, withPerformanceSection(readFileSync(path, 'utf8'), performanceSection(results)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2] ?? join(repoRoot, 'bench', 'results', 'latest.json');
  writeReadme(JSON.parse(readFileSync(file, 'utf8')) as RunResults);
  process.stderr.write(`README.md: Performance section written from ${file}\n`);
}
