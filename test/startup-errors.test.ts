import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageName, version } from 'better-sqlite3/driver';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { adminToExit, nodeMain, npmStartToExit, stderrLines } from './helpers/attrql-process.ts';
import { createTestDatabase, onPostgres } from './helpers/database.ts';
import type { Finished } from './helpers/processes.ts';
import { freePort } from './helpers/server-process.ts';
import { asOrdinaryUser, openToOrdinaryUser } from './helpers/unprivileged.ts';

// Every start-up failure a person can fix is one line on stderr (no stack) and a non-zero exit (issue 10).
function expectOneLine(result: Finished, program: string, pattern: RegExp): string {
  expect(result.code, result.stderr).toBe(1);
  const lines = stderrLines(result);
  expect(lines, result.stderr).toHaveLength(1);
  const line = lines[0] as string;
  expect(line.startsWith(`${program}: `), line).toBe(true);
  expect(line).toMatch(pattern);
  return line;
}

const listeners: Server[] = [];
afterAll(() => {
  for (const server of listeners) server.close();
});

/** A TCP port on which `onConnection` answers instead of PostgreSQL. */
async function fakeServer(onConnection: (socket: import('node:net').Socket) => void): Promise<number> {
  const server = createServer(onConnection);
  listeners.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('a DATABASE_URL that is neither a SQLite path nor a PostgreSQL URL', () => {
  it.each(['mysql://x', 'postgress://postgres@127.0.0.1/attrql'])(
    'stops `npm start` and the admin CLI with one line, and creates nothing: %s',
    async (url) => {
      const folder = join(repoRoot, url.split('/')[0] as string);
      expect(existsSync(folder)).toBe(false);
      const started = await npmStartToExit({ DATABASE_URL: url, PORT: String(await freePort()) });
      expectOneLine(started, 'attrql', /is not supported; accepted: file:.*bare path.*postgresql:\/\//);
      const admin = await adminToExit(['create-org', '--name', 'acme'], { DATABASE_URL: url });
      expectOneLine(admin, 'attrql admin', /is not supported; accepted: file:.*bare path.*postgresql:\/\//);
      expect(admin.stdout).toBe('');
      expect(existsSync(folder)).toBe(false);
    },
  );
});

describe('PostgreSQL that cannot be used', () => {
  const startWith = async (url: string) =>
    (await nodeMain({ DATABASE_URL: url, PORT: String(await freePort()) })).exited;

  it('nothing listening: names host and port', async () => {
    const port = await freePort();
    expectOneLine(
      await startWith(`postgresql://postgres@127.0.0.1:${port}/attrql`),
      'attrql',
      new RegExp(`nothing is listening for PostgreSQL on 127\\.0\\.0\\.1:${port}`),
    );
  });

  it('a host that closes the connection, or never answers: "cannot reach", with the host', async () => {
    const closes = await fakeServer((socket) => socket.destroy());
    expectOneLine(
      await startWith(`postgresql://postgres@127.0.0.1:${closes}/attrql`),
      'attrql',
      new RegExp(`cannot reach PostgreSQL on 127\\.0\\.0\\.1:${closes} \\(connection closed`),
    );
    const silent = await fakeServer(() => {});
    expectOneLine(
      await startWith(`postgresql://postgres@127.0.0.1:${silent}/attrql`),
      'attrql',
      new RegExp(`cannot reach PostgreSQL on 127\\.0\\.0\\.1:${silent} \\(no answer within 5 s\\)`),
    );
  }, 30_000);

  it('an unknown host name', async () => {
    expectOneLine(
      await startWith('postgresql://postgres@attrql-no-such-host.invalid:5432/attrql'),
      'attrql',
      /PostgreSQL host "attrql-no-such-host\.invalid" in DATABASE_URL is unknown/,
    );
  });
});

describe.runIf(onPostgres)('a PostgreSQL database that does not exist', () => {
  it('is not created by `npm start` (one line with the createdb command), but by `npm run db:migrate`', async () => {
    const server = new URL(process.env.TEST_DATABASE_URL as string);
    const name = `attrql_missing_${process.pid}_${Date.now()}`;
    const url = new URL(server);
    url.pathname = `/${name}`;
    const admin = new pg.Client({ connectionString: server.toString() });
    await admin.connect();
    try {
      const line = expectOneLine(
        await npmStartToExit({ DATABASE_URL: url.toString(), PORT: String(await freePort()) }),
        'attrql',
        /PostgreSQL database ".*" does not exist/,
      );
      expect(line).toContain(`createdb -h ${server.hostname} -p ${server.port || 5432} -U ${server.username} ${name}`);
      const exists = async () =>
        (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
      expect(await exists()).toBe(false);

      const { run } = await import('./helpers/processes.ts');
      const migrated = await run('npm', ['run', '--silent', 'db:migrate'], {
        cwd: repoRoot,
        env: { ...process.env, DATABASE_URL: url.toString(), ATTRQL_LOG: 'info' },
      });
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stderr).toContain(`created database ${name}`);
      expect(await exists()).toBe(true);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});

describe('listening', () => {
  it('a port in use: one line with a PORT=… hint', async () => {
    const database = await createTestDatabase('port-in-use');
    const port = await fakeServer(() => {});
    expectOneLine(
      await npmStartToExit({ DATABASE_URL: database.url, PORT: String(port) }),
      'attrql',
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; .*PORT=${port + 1} npm start`),
    );
  });

  it('a PORT that is not a port number', async () => {
    expectOneLine(
      await (await nodeMain({ PORT: '4000x', DATABASE_URL: 'file:/nonexistent/never-opened.db' })).exited,
      'attrql',
      /PORT="4000x" is not a port number/,
    );
  });
});

// These need their own SQLite file in either pass; as root the server runs as `nobody` so that permissions bind.
describe('a SQLite database this process cannot write', () => {
  const user = asOrdinaryUser();
  const startAsUser = (path: string) =>
    nodeMain({ DATABASE_URL: path, PORT: '4000', ...user.env }, { uid: user.uid, gid: user.gid }).exited;

  it('a read-only file (a restored backup): names the file and the fix', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'attrql-readonly-'));
    openToOrdinaryUser(folder);
    const path = join(folder, 'attrql.db');
    writeFileSync(path, '');
    chmodSync(path, 0o444);
    expectOneLine(
      await startAsUser(path),
      'attrql',
      new RegExp(`the SQLite file ${path} is not writable by this user \\(EACCES\\); make it writable`),
    );
  });

  it('a folder it cannot write to, or cannot create', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'attrql-readonly-'));
    chmodSync(folder, 0o555);
    expectOneLine(
      await startAsUser(join(folder, 'attrql.db')),
      'attrql',
      new RegExp(`the folder ${folder} of the SQLite database is not writable by this user`),
    );
    const locked = join(folder, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    expectOneLine(
      await startAsUser(join(locked, 'data', 'attrql.db')),
      'attrql',
      new RegExp(`cannot create the folder ${locked}/data for the SQLite database \\(EACCES\\)`),
    );
  });
});

// The driver's addon is the one that does not load (built by another Node, no binary for this platform); the
// preload makes loading any addon fail as a NODE_MODULE_VERSION mismatch does.
describe('a SQLite driver whose addon does not load', () => {
  it('names the driver, the Node version and what to run', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'attrql-driver-'));
    const preload = join(folder, 'addon-fails.cjs');
    writeFileSync(
      preload,
      `require('node:module')._extensions['.node'] = (_module, filename) => {
        const error = new Error("The module '" + filename + "'\\nwas compiled against a different Node.js version using\\n" +
          'NODE_MODULE_VERSION 1. This version of Node.js requires\\nNODE_MODULE_VERSION ' + process.versions.modules +
          '. Please try re-compiling or re-installing\\nthe module (for instance, using \`npm rebuild\` or \`npm install\`).');
        error.code = 'ERR_DLOPEN_FAILED';
        throw error;
      };`,
    );
    const { exited } = nodeMain({
      DATABASE_URL: join(folder, 'attrql.db'),
      PORT: String(await freePort()),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`,
    });
    const line = expectOneLine(
      await exited,
      'attrql',
      new RegExp(
        `^attrql: the SQLite driver better-sqlite3 ${version} \\(${packageName}, picked for Node ${process.version}\\) ` +
          'does not load: .*NODE_MODULE_VERSION 1\\. .*; ',
      ),
    );
    if (packageName === 'better-sqlite3-v12')
      expect(line).toMatch(/; run "npm rebuild better-sqlite3-v12" with this Node/);
  });
});
