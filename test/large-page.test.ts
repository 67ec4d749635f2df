import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrg } from './helpers/graphql.ts';
import { createPerson } from './helpers/persons.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// Issue 21: whatever attrql does about its memory, it must not cap its heap below what a legitimate request needs: a
// page of 100 persons with large attribute values (here about 0.9 MB each, ≈ 90 MB of JSON) is answered. The server
// is a real attrql process (src/main.ts) started as `npm start` starts it. With `--max-old-space-size=192` (or 64) the
// process dies on this page and the test fails: the socket closes without a response.

const persons = 100;
const valuesPerPerson = 14;
const valueChars = 64_000;
/** A value unique to (person, key), so nothing is shared between the page's strings. */
const value = (person: number, key: number) => `${person}-${key}-`.padEnd(valueChars, String.fromCharCode(97 + key));

let server: ServerProcess;
let org: { orgId: string; apiKey: string };

beforeAll(async () => {
  org = await newOrg('heap');
  for (let p = 0; p < persons; p += 1) {
    const attributes = Object.fromEntries(
      Array.from({ length: valuesPerPerson }, (_, k) => [`key${String(k).padStart(2, '0')}`, value(p, k)]),
    );
    await createPerson(org.apiKey, {
      id: `big${String(p).padStart(3, '0')}`,
      attributes: { end_user_read_write: attributes },
    });
  }
  server = await startServerProcess(process.env.DATABASE_URL as string, { ATTRQL_RATE_LIMIT_PER_MINUTE: '0' });
}, 300_000);

afterAll(async () => {
  await server?.stop();
});

describe('a large page', () => {
  it('answers a page of 100 persons with large attribute values through the real server', async () => {
    const response = await httpGql<{
      persons: { nodes: { id: string; attributes: { end_user_read_write: Record<string, string> } }[] };
    }>(server.url, 'query Page { persons(first: 100) { nodes { id attributes } } }', {}, org.apiKey);
    expect(response.errors).toBeUndefined();
    const nodes = response.data?.persons.nodes ?? [];
    expect(nodes).toHaveLength(persons);
    for (const [p, node] of nodes.entries()) {
      expect(node.id).toBe(`big${String(p).padStart(3, '0')}`);
      const bucket = node.attributes.end_user_read_write;
      expect(Object.keys(bucket)).toHaveLength(valuesPerPerson);
      for (let k = 0; k < valuesPerPerson; k += 1) expect(bucket[`key${String(k).padStart(2, '0')}`]).toBe(value(p, k));
    }
    expect(server.process.exitCode).toBeNull();
  }, 120_000);
});
