import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from './helpers/admin-cli.ts';
import { onPostgres } from './helpers/database.ts';
import { expectAlive } from './helpers/faults.ts';
import { waitFor } from './helpers/processes.ts';
import { httpGql, type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson } from './helpers/subscriptions.ts';

// A SQLite database on a small tmpfs whose space runs out under a real attrql process. Mounting needs root; without
// it (or without tmpfs) the test skips and says why, except under CI, where a skipped fault test is a failure.

/** A tmpfs of `size` mounted on a new folder, or why there is none. */
function mountSmallDisk(size: string): { dir: string } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'mounting a tmpfs needs root' };
  const dir = mkdtempSync(join(tmpdir(), 'attrql-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs failed: ${(error as Error).message}` };
  }
}

const disk = onPostgres ? null : mountSmallDisk('16m');
if (disk && 'reason' in disk) {
  if (process.env.CI) throw new Error(`the SQLite disk-full test cannot run under CI: ${disk.reason}`);
  console.warn(`skipping the SQLite disk-full test: ${disk.reason}`);
}
const dir = disk && 'dir' in disk ? disk.dir : null;

/** Fills what is left of the file system under `folder` with one file (until ENOSPC); returns its path. */
function fillUp(folder: string): string {
  const path = join(folder, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 10_000; i += 1) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

const mergeDoc = `mutation Merge($input: UpdatePersonAttributesInput!) {
  updatePersonAttributes(input: $input) { person { id } }
}`;
const bucketDoc = 'query Bucket($id: ID!) { person(id: $id) { bucket(name: "end_user_no_access") } }';

describe.skipIf(!dir)('SQLite when the disk is full', () => {
  const folder = dir as string;
  let server: ServerProcess;
  let apiKey: string;

  beforeAll(async () => {
    const url = `file:${join(folder, 'attrql.db')}`;
    apiKey = JSON.parse((await runAdmin(['create-org', '--name', 'full'], url)).stdout).apiKey;
    server = await startServerProcess(url, { ATTRQL_RATE_LIMIT_PER_MINUTE: '0' });
    await createPerson(server.url, apiKey, 'p0', { end_user_no_access: { kept: 'before' } });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    try {
      execFileSync('umount', [folder], { stdio: 'pipe' });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses writes with SERVICE_UNAVAILABLE, keeps reading, corrupts nothing, and writes again once space is freed', async () => {
    const big = 'x'.repeat(60_000); // under the 65,536-byte value limit; each write needs new pages
    const write = (key: string) =>
      httpGql(
        server.url,
        mergeDoc,
        { input: { personId: 'p0', bucket: 'end_user_no_access', attributes: { [key]: big } } },
        apiKey,
      );
    const filler = fillUp(folder);
    expect(statfsSync(folder).bavail).toBeLessThan(4);

    const refused: string[] = [];
    const acknowledged: string[] = [];
    for (let i = 0; i < 40 && refused.length < 3; i += 1) {
      const response = await write(`full${i}`);
      if (response.errors) {
        expect(response.errors[0]?.extensions?.code, JSON.stringify(response.errors)).toBe('SERVICE_UNAVAILABLE');
        expect(JSON.stringify(response.errors)).not.toMatch(/SQLITE|disk|\/tmp/i); // no internals
        refused.push(`full${i}`);
      } else {
        acknowledged.push(`full${i}`);
      }
    }
    expect(refused.length, 'writes are refused once the disk is full').toBe(3);
    expect(server.logs()).toMatch(/database unavailable.*(full|SQLITE_FULL)/i);

    // Reads go on, and show every acknowledged write and none of the refused ones.
    const read = await httpGql<{ person: { bucket: Record<string, unknown> } }>(
      server.url,
      bucketDoc,
      { id: 'p0' },
      apiKey,
    );
    expect(read.errors).toBeUndefined();
    const bucket = read.data?.person.bucket ?? {};
    expect(bucket.kept).toBe('before');
    for (const key of acknowledged) expect(bucket[key]).toBe(big);
    for (const key of refused) expect(bucket[key]).toBeUndefined();

    const check = new Database(join(folder, 'attrql.db'), { readonly: true, fileMustExist: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      check.close();
    }

    rmSync(filler);
    await waitFor('a write to succeed once space is free', async () => !(await write('after')).errors, {
      timeoutMs: 10_000,
      intervalMs: 200,
    });
    const after = await httpGql<{ person: { bucket: Record<string, unknown> } }>(
      server.url,
      bucketDoc,
      { id: 'p0' },
      apiKey,
    );
    expect(after.data?.person.bucket.after).toBe(big);
    expectAlive(server);
  }, 90_000);
});
