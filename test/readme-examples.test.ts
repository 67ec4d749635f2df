import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { createTestDatabase } from './helpers/database.ts';
import { run } from './helpers/processes.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';

// The README's examples run as pasted, top to bottom, on a fresh database: every ```sh block, in order, in one
// bash session against a started server (```shell blocks are the ones not meant to run here: npm start, npm test).
// Each "# → <output>" line must match the last line the commands before it printed: as JSON (key order aside),
// where "…" stands for any text (ids, keys, timestamps).
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
const marker = (index: number) => `@@readme-check-${index}@@`;

/** The blocks as one script; each expected-output line becomes an echo of a marker, to split the output on. */
function script(url: string): { text: string; expected: string[] } {
  const expected: string[] = [];
  const lines = blocks
    .join('\n')
    .replaceAll('http://localhost:4000', url)
    .split('\n')
    .map((line) => {
      const check = /^# → (.*)$/.exec(line);
      if (!check) return line;
      expected.push(check[1] as string);
      return `echo '${marker(expected.length - 1)}'`;
    });
  return { text: ['set -euo pipefail', ...lines].join('\n'), expected };
}

function matches(actual: string, expected: string): boolean {
  if (expected.includes('…')) {
    const pattern = expected
      .split('…')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return new RegExp(`^${pattern}$`).test(actual);
  }
  try {
    expect(JSON.parse(actual)).toEqual(JSON.parse(expected));
    return true;
  } catch {
    return false;
  }
}

let server: ServerProcess | undefined;
afterAll(async () => {
  await server?.stop();
});

describe('README examples', () => {
  it('has examples to run, each with outputs to compare', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(script('').expected.length).toBeGreaterThanOrEqual(10);
  });

  it('run as pasted, top to bottom, on a fresh database, printing what the README shows', async () => {
    const database = await createTestDatabase('readme');
    // The Webhooks example delivers to a receiver on this machine.
    server = await startServerProcess(database.url, { ATTRQL_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const { text, expected } = script(server.url);
    const result = await run('bash', ['-c', text], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: database.url, ATTRQL_LOG: 'silent' },
      timeoutMs: 120_000,
    });
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
    let rest = result.stdout;
    expected.forEach((want, index) => {
      const [before, after] = rest.split(`${marker(index)}\n`);
      expect(after, `marker ${index} missing from the output:\n${result.stdout}`).toBeDefined();
      const printed = (before as string).trim().split('\n').pop() ?? '';
      expect(matches(printed, want), `README shows:\n  ${want}\nthe commands printed:\n  ${printed}`).toBe(true);
      rest = after as string;
    });
  }, 180_000);
});
