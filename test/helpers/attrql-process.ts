import type { SpawnOptions } from 'node:child_process';
import { repoRoot } from '../../src/db/providers.ts';
import { type Finished, type Running, run, start } from './processes.ts';

/** The environment an attrql process gets: the test's, with logs silenced unless asked for. */
function attrqlEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, ATTRQL_LOG: 'silent', ...env };
}

/** `npm start` with these variables, run until it exits (for start-up failures). */
export function npmStartToExit(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<Finished> {
  return run('npm', ['start', '--silent'], { cwd: repoRoot, env: attrqlEnv(env), timeoutMs });
}

/** `npm start` left running. */
export function npmStart(env: Record<string, string | undefined>): Running {
  return start('npm', ['start', '--silent'], { cwd: repoRoot, env: attrqlEnv(env) });
}

/** The server entry point as `npm start` runs it, without npm (faster; and npm needs a writable HOME). */
export function nodeMain(env: Record<string, string | undefined>, options: SpawnOptions = {}): Running {
  return start(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    ...options,
    env: attrqlEnv(env),
  });
}

/** `npm run --silent admin -- …` run until it exits. */
export function adminToExit(args: string[], env: Record<string, string | undefined>): Promise<Finished> {
  return run('npm', ['run', '--silent', 'admin', '--', ...args], { cwd: repoRoot, env: attrqlEnv(env) });
}

/** The lines a process wrote on stderr. */
export const stderrLines = (finished: Finished) => finished.stderr.split('\n').filter((line) => line.trim() !== '');
