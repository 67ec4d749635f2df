import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { createTestDatabase } from './helpers/database.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { getQuery, metadataFields, setMutation, type UuidMetadataJson } from './helpers/uuid-metadata.ts';

// What real deployments do: two attrql processes on one database, each with its own connections (and, on
// SQLite, its own handle on the file). Only the database can make exactly one of the racing writers win.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let servers: ServerProcess[] = [];
let apiKey: string;

beforeAll(async () => {
  database = await createTestDatabase('uuid-procs');
  servers = await Promise.all([startServerProcess(database.url), startServerProcess(database.url)]);
  // The org must live in the servers' database, so create it there with the admin CLI.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'src/cli/admin.ts', 'create-org', '--name', 'procs'],
    { cwd: repoRoot, env: { ...process.env, DATABASE_URL: database.url } },
  );
  apiKey = (JSON.parse(stdout) as { apiKey: string }).apiKey;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await database?.drop();
});

type Data = { setUuidMetadata: { uuidMetadata: UuidMetadataJson } };
/** Writer i goes to process i mod 2. */
const serverFor = (i: number) => (servers[i % 2] as ServerProcess).url;
const set = (i: number, input: Record<string, unknown>) => httpGql<Data>(serverFor(i), setMutation, { input }, apiKey);
const get = async (i: number, uuid: string) => {
  const response = await httpGql<{ uuidMetadata: UuidMetadataJson | null }>(serverFor(i), getQuery, { uuid }, apiKey);
  expect(response.errors).toBeUndefined();
  return response.data?.uuidMetadata ?? null;
};
const codeOf = (response: Awaited<ReturnType<typeof set>>) => response.errors?.[0]?.extensions?.code ?? 'OK';

async function raceOnETag(uuid: string, writers: number) {
  const start = await set(0, { uuid, name: 'start' });
  expect(start.errors).toBeUndefined();
  const eTag = start.data?.setUuidMetadata.uuidMetadata.eTag;
  const responses = await Promise.all(
    Array.from({ length: writers }, (_, i) => set(i, { uuid, name: `writer ${i}`, custom: { i }, ifMatch: eTag })),
  );
  const codes = responses.map(codeOf);
  expect(
    codes.filter((code) => code === 'OK'),
    codes.join(','),
  ).toHaveLength(1);
  expect(codes.filter((code) => code === 'PRECONDITION_FAILED')).toHaveLength(writers - 1);
  const winner = codes.indexOf('OK');
  // Both processes read the winner's data, and only it.
  for (const reader of [0, 1]) {
    expect(await get(reader, uuid)).toEqual(responses[winner]?.data?.setUuidMetadata.uuidMetadata);
  }
  expect((await get(0, uuid))?.name).toBe(`writer ${winner}`);
}

describe('two attrql processes on one database', () => {
  it('let exactly one of two writers holding the same eTag win', async () => {
    await raceOnETag('procs-2', 2);
  });

  it('let exactly one of ten writers holding the same eTag win', async () => {
    await raceOnETag('procs-10', 10);
  });

  it('create a new uuid once when ten writers race to create it, with no internal error', async () => {
    const uuid = 'procs-new';
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => set(i, { uuid, type: `t${i}` })));
    expect(responses.map(codeOf)).toEqual(Array(10).fill('OK'));
    const read = await httpGql<{ person: { id: string; uuidMetadata: { type: string } } }>(
      serverFor(1),
      `query($id: ID!) { person(id: $id) { id uuidMetadata { ${metadataFields} } } }`,
      { id: uuid },
      apiKey,
    );
    expect(read.data?.person.id).toBe(uuid);
    expect(read.data?.person.uuidMetadata.type).toMatch(/^t\d$/);
  });

  it('create nothing when ten writers with ifMatch race on an unknown uuid', async () => {
    const uuid = 'procs-ghost';
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => set(i, { uuid, name: 'x', ifMatch: 'guess' })),
    );
    expect(responses.map(codeOf)).toEqual(Array(10).fill('PRECONDITION_FAILED'));
    const person = await httpGql<{ person: null }>(serverFor(0), '{ person(id: "procs-ghost") { id } }', {}, apiKey);
    expect(person.data?.person).toBeNull();
  });

  it('lose no update when clients on both processes run the read-then-conditional-write loop', async () => {
    const uuid = 'procs-counter';
    expect((await set(0, { uuid, custom: { n: 0 } })).errors).toBeUndefined();
    const increment = async (client: number) => {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const current = (await get(client, uuid)) as UuidMetadataJson;
        const response = await set(client, {
          uuid,
          custom: { n: (current.custom?.n as number) + 1 },
          ifMatch: current.eTag,
        });
        if (codeOf(response) === 'OK') return;
        expect(codeOf(response)).toBe('PRECONDITION_FAILED');
      }
      throw new Error('no progress after 100 attempts');
    };
    await Promise.all(
      [0, 1, 2, 3].map(async (client) => {
        for (let i = 0; i < 3; i += 1) await increment(client);
      }),
    );
    expect((await get(1, uuid))?.custom).toEqual({ n: 12 });
  });
});
