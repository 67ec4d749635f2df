import { afterAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { createTestDatabase } from './helpers/database.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

const started: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
});

describe('the attrql process', () => {
  it('starts two instances at once on a brand-new database: one migrates, both serve', async () => {
    const database = await createTestDatabase('startup');
    const [a, b] = await Promise.all([startServerProcess(database.url), startServerProcess(database.url)]);
    started.push(a, b);
    const appliedBy = [a, b].filter((server) => server.logs().includes('applied migration'));
    expect(appliedBy).toHaveLength(1);
    for (const server of [a, b]) {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(server.logs()).toContain('serving GraphQL on http://127.0.0.1:');
    }
  });

  it('serves GraphiQL with an example operation and the Authorization header explained', async () => {
    const server = started[0] as ServerProcess;
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('mintPersonToken');
    expect(html).toContain('Authorization');
    // Offline: GraphiQL's scripts and styles are inlined, nothing is loaded from a CDN.
    expect(html).not.toMatch(/<(script|link)\b[^>]*\b(src|href)=["']?(https?:)?\/\//i);
  });

  it('answers GraphQL over real HTTP with a key the admin CLI created in the same database', async () => {
    const database = await createTestDatabase('http');
    const server = await startServerProcess(database.url);
    started.push(server);
    const anonymous = await httpGql(server.url, '{ person(id: "x") { id } }', {}, '');
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // The CLI runs while the server is serving the same database (no migration pending, so no exclusive lock).
    const cli = await runAdmin(['create-org', '--name', 'http'], database.url);
    expect(cli.code, cli.stderr).toBe(0);
    const { apiKey } = JSON.parse(cli.stdout);
    const created = await httpGql(
      server.url,
      'mutation { createPerson(input: { id: "ada" }) { person { id active } } }',
      {},
      apiKey,
    );
    expect(created).toMatchObject({ status: 200, data: { createPerson: { person: { id: 'ada', active: true } } } });
  });
});
