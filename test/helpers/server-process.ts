import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { repoRoot } from '../../src/db/providers.ts';
import { freePort } from './free-port.ts';

export { freePort } from './free-port.ts';

export interface ServerProcess {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  process: ChildProcess;
  /** What the process printed on stderr so far (its logs). */
  logs: () => string;
  stop: () => Promise<void>;
}

/** What a stuck process is doing (Linux), for the failure message. */
function diagnose(pid: number | undefined): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ');
    const threads = readdirSync(`/proc/${pid}/task`).map((task) =>
      readFileSync(`/proc/${pid}/task/${task}/wchan`, 'utf8'),
    );
    return `state ${stat[2]}, threads waiting in ${[...new Set(threads)].join(', ')}`;
  } catch {
    return 'state unknown';
  }
}

/**
 * Starts a real attrql process (`node --import tsx src/main.ts`, what `npm start` runs) on a free port and
 * waits until /health answers. Every process started this way is a separate instance: nothing is shared
 * with the test process but the database.
 */
export async function startServerProcess(
  databaseUrl: string,
  env: Record<string, string> = {},
  /** Another entry script (e.g. test/helpers/heap-probe.ts), Node options before it, an IPC channel to it. */
  options: { entry?: string; nodeArgs?: string[]; ipc?: boolean } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  let stderr = '';
  const args = [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry ?? 'src/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    // ATTRQL_LOG=info overrides the tests' silent default, so a failing start shows why.
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ATTRQL_LOG: 'info',
      ...env,
    },
    stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`attrql exited with ${child.exitCode}:\n${stderr}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const state = diagnose(child.pid);
      child.kill('SIGKILL');
      throw new Error(`attrql did not become healthy within 60 s (${state}):\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    logs: () => stderr,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(); // ended already (killed too)
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Sends one GraphQL operation to a running server over real HTTP. */
export async function httpGql<T = Record<string, unknown>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  auth: string,
): Promise<{ status: number; data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}
