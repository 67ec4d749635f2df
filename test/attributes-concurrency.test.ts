import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// Two real attrql instances on one database (SQLite: two processes sharing the file; PostgreSQL: two instances
// on one database), with the writes split between them over HTTP.
const started: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()));
});

async function createOrgIn(databaseUrl: string): Promise<{ orgId: string; apiKey: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli/admin.ts', 'create-org', '--name', 'concurrency'],
    { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl } },
  );
  return JSON.parse(stdout.trim());
}

const mergeDoc = `mutation Merge($input: UpdatePersonAttributesInput!) {
  updatePersonAttributes(input: $input) { attributes }
}`;

describe(`50 concurrent merges through two attrql instances (${onPostgres ? 'PostgreSQL' : 'SQLite file'})`, () => {
  it('keep all 50 keys, and exactly one of two same-eTag writers on different instances wins', async () => {
    const database = await createTestDatabase('merge2');
    const [a, b] = await Promise.all([startServerProcess(database.url), startServerProcess(database.url)]);
    started.push(a, b);
    const org = await createOrgIn(database.url);
    const servers = [a, b] as ServerProcess[];

    const created = await httpGql<{ createPerson: { person: { eTag: string } } }>(
      a.url,
      'mutation { createPerson(input: { id: "shared" }) { person { eTag } } }',
      {},
      org.apiKey,
    );
    expect(created.errors).toBeUndefined();

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        httpGql(
          (servers[i % 2] as ServerProcess).url,
          mergeDoc,
          {
            input: { personId: 'shared', bucket: 'end_user_read_write', attributes: { [`key${i}`]: { writer: i } } },
          },
          org.apiKey,
        ),
      ),
    );
    for (const response of responses) expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();

    for (const server of servers) {
      const read = await httpGql<{ person: { bucket: Record<string, unknown> } }>(
        server.url,
        '{ person(id: "shared") { bucket(name: "end_user_read_write") } }',
        {},
        org.apiKey,
      );
      const bucket = read.data?.person.bucket ?? {};
      expect(Object.keys(bucket)).toHaveLength(50);
      for (let i = 0; i < 50; i += 1) expect(bucket[`key${i}`]).toEqual({ writer: i });
    }

    const current = await httpGql<{ person: { eTag: string } }>(
      a.url,
      '{ person(id: "shared") { eTag } }',
      {},
      org.apiKey,
    );
    const eTag = current.data?.person.eTag;
    const racing = await Promise.all(
      servers.map((server, i) =>
        httpGql(
          server.url,
          mergeDoc,
          {
            input: {
              personId: 'shared',
              bucket: 'end_user_read_write',
              attributes: { [`race${i}`]: i },
              ifMatch: eTag,
            },
          },
          org.apiKey,
        ),
      ),
    );
    const codes = racing.map((response) => response.errors?.[0]?.extensions?.code ?? 'OK').sort();
    expect(codes).toEqual(['OK', 'PRECONDITION_FAILED']);
    await database.drop();
  }, 120_000);
});
