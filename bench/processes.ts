// The processes of a run: servers pinned to core 0, load generators to core 1 (taskset), and the RSS of a server
// sampled from /proc while it works.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port.ts';
import type { JobResult, LoadJob } from './load-worker.ts';

export const repoRoot = join(import.meta.dirname, '..');
export const serverCore = '0';
export const loadCore = '1';

/** taskset when the machine has it and the core exists, else the command as is. */
export function pinned(core: string, command: string[]): string[] {
  try {
    execFileSync('taskset', ['-c', core, 'true'], { stdio: 'ignore' });
    return ['taskset', '-c', core, ...command];
  } catch {
    return command;
  }
}

/**
 * How the bench runs attrql: no rate limit (unless a scenario sets one), no log (BENCH_ATTRQL_LOG to see it), and
 * NODE_ENV=production as a deployment would.
 */
export const attrqlEnv = (databaseUrl: string, rateLimit = '0'): Record<string, string> => ({
  DATABASE_URL: databaseUrl,
  ATTRQL_RATE_LIMIT_PER_MINUTE: rateLimit,
  ATTRQL_LOG: process.env.BENCH_ATTRQL_LOG ?? 'silent',
  NODE_ENV: 'production',
});

export interface Server {
  name: string;
  url: string;
  /** The current process's pid (a new one after a restart). */
  readonly pid: number;
  /** Counts starts: a job during which it changed saw the server die. */
  readonly generation: number;
  /** Starts the process again (same port) when it died, e.g. killed from outside; true when it had to. */
  ensureRunning(): Promise<boolean>;
  stop(): Promise<void>;
}

const healthTimeoutMs = 120_000;

/** Servers that died unexpectedly during the run (restarted, their job repeated): reported with the results. */
export const unexpectedExits: { name: string; at: string; status: string }[] = [];

/**
 * Starts a server process on core 0 (or `core`) and waits until GET /health answers 200. `nodeBinary`: another
 * Node than the bench's own (the PostGraphile peer runs on Node 22).
 */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  core = serverCore,
  nodeBinary = process.execPath,
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A built bundle (.mjs, what `npm start` runs) runs as it is; TypeScript through tsx.
  // BENCH_SERVER_NODE_ARGS: extra node options for the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const node = script.endsWith('.mjs')
    ? [nodeBinary, ...extra, script]
    : [nodeBinary, ...extra, '--import', 'tsx', script];
  const [command, ...args] = pinned(core, node);
  let child: ChildProcess;
  let stderr = '';
  let stopping = false;
  let generation = 0;

  const spawnOnce = async () => {
    stderr = '';
    generation += 1;
    const current = spawn(command as string, args, {
      cwd: repoRoot,
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = current;
    current.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    current.on('exit', (code, signal) => {
      if (!stopping) {
        unexpectedExits.push({ name, at: new Date().toISOString(), status: String(code ?? signal) });
        process.stderr.write(`${name} (pid ${current.pid}) exited unexpectedly (${code ?? signal}):\n${stderr}\n`);
      }
    });
    const deadline = Date.now() + healthTimeoutMs;
    for (;;) {
      if (current.exitCode !== null) throw new Error(`${name} exited with ${current.exitCode}:\n${stderr}`);
      try {
        if ((await fetch(`${url}/health`)).status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        current.kill('SIGKILL');
        throw new Error(`${name} did not answer /health within ${healthTimeoutMs / 1000} s:\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const exited = () => child.exitCode !== null || child.signalCode !== null;

  await spawnOnce();
  return {
    name,
    url,
    get pid() {
      return child.pid as number;
    },
    get generation() {
      return generation;
    },
    ensureRunning: async () => {
      if (!exited()) return false;
      process.stderr.write(`restarting ${name} on port ${port}\n`);
      await spawnOnce();
      return true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (exited()) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 8000).unref();
      }),
  };
}

/** USER_HZ: the unit of /proc/<pid>/stat's CPU times on Linux. */
const ticksPerSecond = 100;

/** User plus system CPU time a process has used so far, in µs (10 ms resolution), or NaN when it is gone. */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** A process's resident set size in MiB, or NaN when it is gone. */
export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples the RSS of the servers' processes every 250 ms until stopped; returns the highest sample (summed over the pids). */
export function sampleRss(servers: readonly Pick<Server, 'pid'>[]): () => number {
  let max = 0;
  const sample = () => {
    const total = servers.reduce((sum, server) => sum + rssMiB(server.pid), 0);
    if (Number.isFinite(total)) max = Math.max(max, total);
  };
  sample();
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    sample();
    return max;
  };
}

/** Runs one load job in a worker process on core 1. */
export function runWorker(job: LoadJob, jobFile: string): Promise<JobResult> {
  writeFileSync(jobFile, JSON.stringify(job));
  const [command, ...args] = pinned(loadCore, [process.execPath, '--import', 'tsx', 'bench/load-worker.ts', jobFile]);
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
      if (process.env.BENCH_DEBUG) process.stderr.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load worker exited with ${code}:\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() as string) as JobResult);
      } catch (error) {
        reject(new Error(`load worker printed no result: ${String(error)}\n${stdout}\n${stderr}`));
      }
    });
  });
}
