import { accessSync, constants, existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { StartupError } from '../startup/startup-error.ts';
import { type DatabaseConfig, sqlitePath } from './config.ts';

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'error';

/**
 * Refuses to start on a SQLite file this process cannot write (a read-only restored backup, a folder owned by
 * someone else): otherwise every write would fail later, one request at a time. WAL mode also creates
 * `<file>-wal` and `<file>-shm` beside the file, so the folder must be writable too.
 */
export function assertSqliteWritable(config: DatabaseConfig): void {
  const path = sqlitePath(config);
  const folder = dirname(path);
  const fix = 'or point DATABASE_URL at a writable place';
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw new StartupError(
        `the SQLite file ${file} is not writable by this user (${codeOf(error)}); make it writable (e.g. chmod u+w, chown), ${fix}`,
      );
    }
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw new StartupError(
      `the folder ${folder} of the SQLite database is not writable by this user (${codeOf(error)}); attrql keeps ${basename(path)}-wal and -shm beside the file: make the folder writable, ${fix}`,
    );
  }
}
