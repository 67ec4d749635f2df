import { afterAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { findPostgresBinaries, startPrivatePostgres } from './helpers/private-postgres.ts';
import { waitFor } from './helpers/processes.ts';
import { requireTool } from './helpers/required-tool.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// Runs in both passes: it brings its own PostgreSQL, which it stops and restarts under a real attrql process.
const bin = requireTool('PostgreSQL server binaries (initdb, pg_ctl; set ATTRQL_PG_BINDIR)', findPostgresBinaries);

describe.skipIf(!bin)('when PostgreSQL goes away under a running attrql', () => {
  let cluster: Awaited<ReturnType<typeof startPrivatePostgres>>;
  let server: ServerProcess;

  afterAll(async () => {
    await server?.stop();
    cluster?.destroy();
  });

  it('answers /health 503 and SERVICE_UNAVAILABLE, and recovers when it is back', async () => {
    cluster = await startPrivatePostgres(bin as string);
    const { apiKey } = JSON.parse((await runAdmin(['create-org', '--name', 'outage'], cluster.url)).stdout);
    server = await startServerProcess(cluster.url);
    const query = '{ person(id: "nobody") { id } }';
    expect((await httpGql(server.url, query, {}, apiKey)).data).toEqual({ person: null });

    cluster.stop();
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    const down = await httpGql(server.url, query, {}, apiKey);
    expect(down.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(down)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/);
    expect(server.logs()).toContain('database unavailable');

    cluster.start();
    // The pool may hand out one dead connection first; recovery must come within a few seconds.
    await waitFor('/health to answer 200 again', async () => (await fetch(`${server.url}/health`)).status === 200, {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect((await httpGql(server.url, query, {}, apiKey)).data).toEqual({ person: null });
  }, 90_000);
});
