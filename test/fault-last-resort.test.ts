import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { createTestDatabase } from './helpers/database.ts';
import { start } from './helpers/processes.ts';
import { freePort } from './helpers/server-process.ts';

// The server's last resort (src/startup/last-resort.ts): an error that nothing handled ends the process with exit
// code 1 and one clear line with the stack, even with logs silenced. A preloaded module throws it once serving.

describe('an error nothing handled', () => {
  it.each(['exception', 'rejection'])(
    'an uncaught %s: a clear line on stderr, exit code 1',
    async (kind) => {
      const database = await createTestDatabase('last-resort');
      const running = start(
        process.execPath,
        ['--import', 'tsx', '--import', join(repoRoot, 'test/fixtures/fail-later.mjs'), 'src/main.ts'],
        {
          cwd: repoRoot,
          env: {
            ...process.env,
            DATABASE_URL: database.url,
            PORT: String(await freePort()),
            HOST: '127.0.0.1',
            ATTRQL_LOG: 'silent',
            ATTRQL_TEST_FAIL: kind,
            ATTRQL_TEST_FAIL_AFTER_MS: '3000',
          },
        },
      );
      const timer = setTimeout(() => running.child.kill('SIGKILL'), 60_000);
      const finished = await running.exited;
      clearTimeout(timer);
      expect(finished.code).toBe(1);
      const expected =
        kind === 'exception'
          ? /attrql: uncaught exception; exiting: Error: an exception nobody caught\n\s+at /
          : /attrql: unhandled promise rejection; exiting: Error: a rejection nobody awaited\n\s+at /;
      expect(finished.stderr).toMatch(expected);
    },
    90_000,
  );
});
