import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.ts';
import { databaseConfig } from '../src/db/config.ts';
import { backstopPages, checkpointEveryMs } from '../src/db/sqlite-checkpointer.ts';
import { runAdmin } from './helpers/admin-cli.ts';
import { waitFor } from './helpers/processes.ts';

// SQLite in either pass: attrql's own connection leaves WAL checkpoints to a worker thread, so no request's COMMIT
// waits for one. Read off the WAL index (the -shm file): the WAL's last frame (mxFrame, offset 16 of its header)
// and how far it has been copied back into the database file (nBackfill, offset 96).
const folder = mkdtempSync(join(tmpdir(), 'attrql-checkpointer-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function walIndex(path: string): { frames: number; backfilled: number } {
  const shm = readFileSync(`${path}-shm`);
  return { frames: shm.readUInt32LE(16), backfilled: shm.readUInt32LE(96) };
}

describe('WAL checkpoints of a serving SQLite connection', () => {
  it('happen in the background, far below the backstop', async () => {
    const path = join(folder, 'attrql.db');
    expect((await runAdmin(['create-org', '--name', 'checkpoints'], path)).code).toBe(0);
    const database = openDatabase(databaseConfig(`file:${path}`));
    const [setting] = await database.sql.all<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint');
    expect(setting?.wal_autocheckpoint).toBe(backstopPages);

    await database.sql.run('CREATE TABLE scratch (n INTEGER, filler TEXT)');
    for (let i = 0; i < 300; i++) {
      await database.sql.transaction((tx) => tx.run('INSERT INTO scratch VALUES ($1, $2)', [i, 'x'.repeat(3000)]));
    }
    const written = walIndex(path);
    expect(written.frames).toBeGreaterThan(300); // no commit of ours checkpointed (that resets the WAL)...
    expect(written.frames).toBeLessThan(backstopPages);
    // ...and the worker copies every frame back shortly after.
    await waitFor(
      'the worker to copy the WAL back',
      () => {
        const { frames, backfilled } = walIndex(path);
        return frames > 0 && backfilled === frames;
      },
      { timeoutMs: 20 * checkpointEveryMs },
    );

    await database.close();
  });
});
