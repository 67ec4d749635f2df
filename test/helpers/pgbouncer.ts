// Shared by the tests and the bench (scenario 13): Debian's PgBouncer on a loopback port.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { type Running, start } from './spawned.ts';

/** Debian's `pgbouncer` package puts it here (not on a user's PATH). */
export function findPgBouncer(): string | undefined {
  return [process.env.ATTRQL_PGBOUNCER, '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find(
    (path): path is string => !!path && existsSync(path),
  );
}

/**
 * PgBouncer in front of a PostgreSQL on loopback, in transaction pooling mode, with nothing in
 * `ignore_startup_parameters` but `extra_float_digits`: the set-up CONTRACT §12 names (and the README shows).
 * Every database of the server is reachable through it (`* =`). It refuses to run as root: as root it runs as
 * `postgres`. Stop it with `stop()` (by its pid).
 */
export async function startPgBouncer(binary: string, serverPort: number) {
  const dir = mkdtempSync(join(tmpdir(), 'attrql-pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=127.0.0.1 port=${serverPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 20',
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), 0);
  const running: Running = start(binary, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')]);
  await untilListening(port, running);
  return {
    url: (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    port,
    stop: async () => {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill('SIGTERM'); // by pid: this process only
        await running.ended;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(port: number, running: Running): Promise<void> {
  const { connect } = await import('node:net');
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (running.child.exitCode !== null) throw new Error(`pgbouncer exited: ${running.stderr()}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pgbouncer did not listen on ${port}: ${running.stderr()}`);
}
