import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { findPromtool, samples, startScrapingPrometheus } from './helpers/observability.ts';
import { call } from './helpers/rest.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  createPerson,
  merge,
  personChangesDoc,
  type Stream,
  subscribeSse,
  untilLive,
  waitFor,
} from './helpers/subscriptions.ts';

// ops/grafana-dashboard.json (README "Operations"): every metric its PromQL uses is one a real attrql process serves
// on /metrics, and every query is valid PromQL that a real Prometheus scraping attrql answers.

interface Panel {
  title: string;
  targets: { expr: string }[];
}
const dashboard = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'ops', 'grafana-dashboard.json'), 'utf8'),
) as {
  panels: Panel[];
};
const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ panel: panel.title, ...target })));
/** The metric names a query uses: attrql's own and prom-client's Node defaults (labels and functions are neither). */
const metricNames = (expr: string) => expr.match(/\b(?:attrql|process|nodejs)_[a-z0-9_]+/g) ?? [];

let server: ServerProcess;
let apiKey: string;
let orgId: string;
const streams: Stream[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ({ apiKey, orgId } = await createOrganization('dashboard'));
  server = await startServerProcess(process.env.DATABASE_URL as string);
  // What the panels show: operations, a REST call, a live subscriber that is handed a change, statements.
  await createPerson(server.url, apiKey, 'dash');
  const sse = subscribeSse({ url: server.url, auth: apiKey, query: personChangesDoc, label: 'sse' });
  streams.push(sse);
  await untilLive(
    [sse],
    (value) => merge(server.url, apiKey, 'dash', 'end_user_read_write', { value }),
    () => true,
  );
  const slashid = { 'SlashID-OrgID': orgId, 'SlashID-API-Key': apiKey, 'Content-Type': 'application/json' };
  expect(
    (await call(server.url, 'GET', '/persons/dash/attributes/end_user_read_write', { headers: slashid })).status,
  ).toBe(200);
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await server?.stop();
});

describe('the Grafana dashboard', () => {
  it('shows p99 per operation, error ratio, delivery lag, open subscriptions, DB time and event-loop delay', () => {
    const used = new Set(queries.flatMap((query) => metricNames(query.expr)));
    for (const name of [
      'attrql_graphql_operation_duration_seconds_bucket',
      'attrql_graphql_operation_duration_seconds_count',
      'attrql_change_delivery_lag_seconds_bucket',
      'attrql_subscriptions_open',
      'attrql_db_statement_duration_seconds_sum',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(used.has(name), name).toBe(true);
    }
    expect(queries.some((query) => query.expr.includes('outcome!="ok"'))).toBe(true);
  });

  it('uses only metric names that a real /metrics scrape has', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const served = new Set(samples(text).map((sample) => sample.name));
    // A histogram or counter with no observation yet (e.g. retries) is declared by its TYPE line only.
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.add(`${name}${suffix}`);
      else served.add(name as string);
    }
    for (const query of queries) {
      const names = metricNames(query.expr);
      expect(names.length, query.panel).toBeGreaterThan(0);
      for (const name of names) expect(served.has(name), `${query.panel}: ${name}`).toBe(true);
    }
  });

  it('is valid PromQL that a real Prometheus scraping attrql answers', async () => {
    if (!findPromtool()) return; // the same Debian package brings both
    const prometheus = await startScrapingPrometheus(new URL(server.url).host);
    cleanups.push(() => prometheus.stop());
    // Grafana's variables, as the dashboard's defaults resolve them.
    const resolved = (expr: string) =>
      expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', 'attrql').replaceAll('$instance', '.*');
    const ask = async (expr: string) => {
      const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(resolved(expr))}`);
      return (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    };
    // Scraped at least twice (rate() needs two points), with a merge in between.
    await waitFor(
      'two scrapes of attrql',
      async () => {
        try {
          const answer = await ask('count_over_time(attrql_subscriptions_open{transport="sse"}[1m])');
          return Number((answer.data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1]) >= 2
            ? true
            : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nprometheus said:\n${prometheus.logs()}`);
    });
    await merge(server.url, apiKey, 'dash', 'end_user_read_write', { value: 'after-scrapes' });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    for (const query of queries) {
      const answer = await ask(query.expr);
      expect(answer.error ?? answer.status, `${query.panel}: ${query.expr}`).toBe('success');
    }
    // The panels an operator looks at first have series.
    for (const title of ['GraphQL p99 latency per operation', 'Subscriptions open', 'Event-loop delay p99']) {
      const panel = dashboard.panels.find((candidate) => candidate.title === title);
      const answer = await ask(panel?.targets[0]?.expr ?? '');
      expect(answer.data?.result.length, title).toBeGreaterThan(0);
    }
  }, 90_000);
});
