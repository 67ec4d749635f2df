import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseConfig, sqlitePath } from '../src/db/config.ts';
import { repoRoot } from '../src/db/providers.ts';
import { runAdmin } from './helpers/admin-cli.ts';
import { npmStart } from './helpers/attrql-process.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';
import { type Running, start, waitFor } from './helpers/processes.ts';
import { freePort } from './helpers/server-process.ts';

const running: Running[] = [];
const pids: number[] = [];
afterAll(() => {
  // When a test fails, what it started may still run: npm and the processes npm started.
  for (const process of running) process.child.kill('SIGKILL');
  for (const pid of pids) if (stillOurs(pid)) process.kill(pid, 'SIGKILL');
});

/**
 * A pid may be reused by another process once ours is gone: only a node process of attrql's still running in this
 * checkout is ours (the server bundle `npm start` runs, or a script through tsx).
 */
function stillOurs(pid: number): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return readlinkSync(`/proc/${pid}/cwd`) === repoRoot && /tsx|dist\/server\/main\.mjs/.test(command);
  } catch {
    return false;
  }
}

/** The pids of a process's children (npm runs the script as its child). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Starts a POST whose body is sent in two halves; resolves with the response once the second half went out. */
function slowPost(url: string, apiKey: string, body: string) {
  const half = Math.floor(body.length / 2);
  let respond!: (value: { status: number; body: string }) => void;
  let fail!: (error: Error) => void;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    respond = resolve;
    fail = reject;
  });
  const req = request(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${apiKey}`,
    },
  });
  req.on('response', (res) => {
    let text = '';
    res.on('data', (chunk) => {
      text += chunk;
    });
    res.on('end', () => respond({ status: res.statusCode ?? 0, body: text }));
  });
  req.on('error', fail);
  req.write(body.slice(0, half));
  return { finish: () => req.end(body.slice(half)), response };
}

describe('npm start and signals', () => {
  it('SIGTERM to the npm process reaches the server: requests under way finish, then it exits 0, no orphan', async () => {
    const database = await createTestDatabase('signals');
    const { apiKey } = JSON.parse((await runAdmin(['create-org', '--name', 'signals'], database.url)).stdout);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const npm = npmStart({ DATABASE_URL: database.url, PORT: String(port), ATTRQL_LOG: 'info' });
    running.push(npm);
    const serverPid = Number(
      await waitFor('the server to log its pid', () => /serving GraphQL .* pid=(\d+)/.exec(npm.stderr())?.[1], {
        timeoutMs: 60_000,
      }),
    );
    pids.push(serverPid);
    expect(serverPid).not.toBe(npm.child.pid);
    expect(childrenOf(npm.child.pid as number)).toEqual([serverPid]); // exec: no shell in between

    const slow = slowPost(
      url,
      apiKey,
      JSON.stringify({ query: 'mutation { createPerson(input: { id: "in-flight" }) { person { id } } }' }),
    );
    // A request on a later connection being answered means the server accepted the slow one's connection.
    await waitFor('the server to answer', async () => (await fetch(`${url}/health`)).status === 200);

    npm.child.kill('SIGTERM');
    await waitFor('the server to get the signal', () => npm.stderr().includes('received SIGTERM'));
    // No new connections are taken while draining.
    await waitFor('the listener to close', () =>
      fetch(`${url}/health`).then(
        () => false,
        () => true,
      ),
    );
    expect(stillOurs(serverPid)).toBe(true);

    slow.finish();
    const answered = await slow.response;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body)).toEqual({ data: { createPerson: { person: { id: 'in-flight' } } } });

    const exited = await npm.exited;
    expect(exited.code, npm.stderr()).toBe(0);
    expect(npm.stderr()).toContain('stopped');
    await waitFor('the server process to be gone', () => !stillOurs(serverPid), { timeoutMs: 5000 });
  }, 90_000);

  it('SIGTERM to `npm run admin` ends the command itself, not only npm', async () => {
    // A brand-new database whose migration lock the test holds keeps the command waiting for as long as needed.
    const database = await createTestDatabase('admin-signal');
    const releaseLock = await holdMigrationLock(database.url);
    try {
      const npm = start('npm', ['run', '--silent', 'admin', '--', 'create-org', '--name', 'waiting'], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: database.url, ATTRQL_LOG: 'silent' },
      });
      running.push(npm);
      const [commandPid] = await waitFor('npm to start the command', () => {
        const children = childrenOf(npm.child.pid as number);
        return children.length > 0 && children;
      });
      pids.push(commandPid as number);
      await waitFor('the command to wait for the migration lock', () => waitingForLock(database.url));
      npm.child.kill('SIGTERM');
      const ended = await npm.ended;
      expect(ended.code ?? ended.signal).not.toBe(0);
      await waitFor('the command process to be gone', () => !stillOurs(commandPid as number), { timeoutMs: 10_000 });
      expect(npm.stdout()).toBe('');
    } finally {
      await releaseLock();
    }
  }, 90_000);
});

const advisoryLockKey = 0x61747472716c; // the key src/db/migrate.ts locks

/** Takes the lock `migrate()` takes, so a starting command waits for it. */
async function holdMigrationLock(url: string): Promise<() => Promise<void>> {
  if (onPostgres) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1)', [advisoryLockKey]);
    return () => client.end();
  }
  const lock = new Database(`${sqlitePath(databaseConfig(url))}.migrate-lock`);
  lock.exec('BEGIN EXCLUSIVE');
  return async () => {
    lock.exec('ROLLBACK');
    lock.close();
  };
}

/** True once another session waits for the migration lock (PostgreSQL); on SQLite the wait is not observable. */
async function waitingForLock(url: string): Promise<boolean> {
  if (!onPostgres) return true;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}
