import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxStringChars } from '../src/schema/string-bounds.ts';
import { newOrg } from './helpers/graphql.ts';
import { createPerson } from './helpers/persons.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// CONTRACT §8 "memory": nothing a request sends is kept after the request ends. The server is a real attrql
// process with --expose-gc that reports its heap after a full GC over IPC (helpers/heap-probe.ts).

const aliases = 10;
const query = `query History($id: ID!, ${Array.from({ length: aliases }, (_, i) => `$b${i}: String, $n${i}: String`).join(', ')}) {
  person(id: $id) {
    ${Array.from({ length: aliases }, (_, i) => `h${i}: history(bucket: $b${i}, name: $n${i}) { nodes { cursor } }`).join('\n    ')}
  }
}`;

let server: ServerProcess;
let org: { orgId: string; apiKey: string };
let personId: string;

beforeAll(async () => {
  org = await newOrg('memory');
  personId = (await createPerson(org.apiKey, { groups: ['readers'] })).id;
  server = await startServerProcess(
    process.env.DATABASE_URL as string,
    { ATTRQL_RATE_LIMIT_PER_MINUTE: '0', ATTRQL_LOG: 'warn' },
    { entry: 'test/helpers/heap-probe.ts', nodeArgs: ['--expose-gc'], ipc: true },
  );
});

afterAll(async () => {
  await server?.stop();
});

/** The server's heap after a full GC (the lowest of three readings, so a GC still finishing does not count). */
async function serverHeap(): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    readings.push(
      await new Promise<number>((resolve) => {
        server.process.once('message', (message) => resolve((message as { heapUsed: number }).heapUsed));
        server.process.send?.('heap');
      }),
    );
  }
  return Math.min(...readings);
}

/** A string of `length` characters unique to (`request`, `alias`, `kind`). */
const distinct = (length: number, request: number, alias: number, kind: string) =>
  `${kind}-${request}-${alias}-`.padEnd(length, 'x');

async function send(request: number, length: number): Promise<{ status: number; codes: string[] }> {
  const variables: Record<string, unknown> = { id: personId };
  for (let i = 0; i < aliases; i += 1) {
    variables[`b${i}`] = distinct(length, request, i, 'b');
    variables[`n${i}`] = distinct(length, request, i, 'n');
  }
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, codes: (body.errors ?? []).map((error) => error.extensions?.code ?? '') };
}

/** Sends `count` requests, 32 at a time, and checks each one was answered as expected. */
async function sendMany(from: number, count: number, length: number, refused: boolean): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < from + count) {
      const request = next++;
      const { status, codes } = await send(request, length);
      expect(status).toBe(200);
      if (refused) expect(codes[0]).toBe('BAD_USER_INPUT');
      else expect(codes).toEqual([]);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

describe('memory under distinct request data', () => {
  it('a process that served 2,000 allowed and 2,000 refused history requests has the heap it had after 10', async () => {
    // Warm-up: both paths run (and are compiled) before the first reading.
    await sendMany(0, 5, 200, false);
    await sendMany(5, 5, maxStringChars + 1000, true);
    const before = await serverHeap();

    await sendMany(10, 2000, 200, false);
    await sendMany(2010, 2000, maxStringChars + 1000, true);
    const after = await serverHeap();

    const grownMb = (after - before) / 1024 / 1024;
    console.log(`server heap after GC: ${(before / 1048576).toFixed(1)} MB -> ${(after / 1048576).toFixed(1)} MB`);
    // Each allowed request names 20 distinct 200-character strings; kept, 2,000 of them would be ~10 MB.
    expect(grownMb).toBeLessThan(5);
  }, 180_000);

  it('300 distinct 100 KB queries leave no more behind than 10 did (parsed documents are cached within a size bound)', async () => {
    const sendInline = async (request: number) => {
      const id = distinct(100_000, request, 0, 'q');
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.apiKey}` },
        body: JSON.stringify({ query: `{ person(id: "${id}") { id } }` }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    };
    for (let request = 0; request < 10; request += 1) await sendInline(request);
    const before = await serverHeap();
    for (let request = 10; request < 310; request += 1) await sendInline(request);
    const after = await serverHeap();
    console.log(`server heap after GC: ${(before / 1048576).toFixed(1)} MB -> ${(after / 1048576).toFixed(1)} MB`);
    // Yoga's own cache (1,024 documents, whatever their size) kept all 300: +30 MB.
    expect((after - before) / 1024 / 1024).toBeLessThan(5);
  }, 120_000);
});
