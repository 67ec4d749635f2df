// Shared by the tests and the bench (scenarios 12 and 13): private PostgreSQL clusters on loopback ports.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.ts';

const hasServerBinaries = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));

function pgConfigBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Debian and Ubuntu keep initdb and pg_ctl off PATH, under /usr/lib/postgresql/<version>/bin. */
function debianBindirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'));
}

/** initdb refuses to run as root: as root the cluster runs as the `postgres` user (if there is one). */
function runAs(): { user?: string; usable: boolean } {
  if (process.getuid?.() !== 0) return { usable: true };
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return { user: 'postgres', usable: true };
  } catch {
    return { usable: false };
  }
}

/**
 * The folder of PostgreSQL's server binaries (initdb, pg_ctl): `ATTRQL_PG_BINDIR`, `pg_config --bindir`, PATH, then
 * Debian's layout; undefined when there is none this process can use.
 */
export function findPostgresBinaries(): string | undefined {
  if (!runAs().usable) return undefined;
  const candidates = [
    process.env.ATTRQL_PG_BINDIR,
    pgConfigBindir(),
    ...(process.env.PATH ?? '').split(delimiter),
    ...debianBindirs(),
  ];
  return candidates.find((dir): dir is string => !!dir && hasServerBinaries(dir));
}

/**
 * A throwaway PostgreSQL cluster of a test's (or the bench's) own, which it may stop and start at will (the shared
 * server must never be stopped: other test files use it at the same time).
 */
export async function startPrivatePostgres(
  bin: string,
  settings: string[] = [],
  /** `basebackupOf`: the port of a private cluster to copy with pg_basebackup, as its streaming replica. */
  options: { basebackupOf?: number } = {},
) {
  const { user } = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'attrql-pg-'));
  if (user) chownSync(dir, Number(execFileSync('id', ['-u', user]).toString().trim()), 0);
  const port = await freePort();
  const pgTool = (command: string, args: string[]) =>
    user
      ? execFileSync('runuser', ['-u', user, '--', join(bin, command), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, command), args, { stdio: 'pipe' });
  const start = () =>
    pgTool('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, ...settings.map((setting) => `-c ${setting}`)].join(' '),
      'start',
    ]);
  const stop = () => pgTool('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  if (options.basebackupOf === undefined) pgTool('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
  else {
    // A streaming replica of the cluster on that port: -R writes standby.signal and primary_conninfo. A fast
    // checkpoint: the default (spread) makes the copy wait out most of checkpoint_timeout on a freshly written primary.
    const from = ['-h', '127.0.0.1', '-p', String(options.basebackupOf), '-U', 'postgres'];
    pgTool('pg_basebackup', [...from, '-D', join(dir, 'data'), '-R', '-X', 'stream', '--checkpoint=fast']);
  }
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    /** The cluster's data directory (its postmaster.pid names the server's process). */
    dataDir: join(dir, 'data'),
    start,
    stop,
    destroy: () => {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
