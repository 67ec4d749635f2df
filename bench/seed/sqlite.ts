// Writes seed rows to SQLite with better-sqlite3: one prepared INSERT per table, one transaction per batch.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { type Cell, type Rows, type TableKey, tables } from './rows.ts';
import type { SeedWriter } from './writer.ts';

/** Prisma's SQLite adapter stores DateTime as ISO-8601 with a "+00:00" zone. */
export const sqliteTimestamp = (iso: string) => iso.replace(/Z$/, '+00:00');

export function sqliteWriter(path: string): SeedWriter {
  const db = new Database(path, { timeout: 60_000 });
  // Bulk load: the file is only trusted once the seed has finished anyway.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const inserts = new Map(
    Object.entries(tables).map(([key, table]) => {
      const columns = table.columns.map(([name]) => `"${name}"`).join(', ');
      const params = table.columns.map(() => '?').join(', ');
      return [key, db.prepare(`INSERT INTO "${table.name}" (${columns}) VALUES (${params})`)];
    }),
  );
  const convert = (key: TableKey, row: Cell[]): Cell[] =>
    row.map((cell, i) => {
      const type = tables[key].columns[i]?.[1];
      if (type === 'bool') return cell ? 1 : 0;
      if (type === 'ts' && typeof cell === 'string') return sqliteTimestamp(cell);
      return cell;
    });
  const writeAll = db.transaction((rows: Rows) => {
    for (const key of Object.keys(tables) as TableKey[]) {
      const insert = inserts.get(key);
      for (const row of rows[key]) insert?.run(convert(key, row));
    }
  });
  return {
    write: async (rows) => {
      writeAll(rows);
    },
    finish: async () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('synchronous = NORMAL');
    },
    sizeBytes: async () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      const size = (file: string) => {
        try {
          return statSync(file).size;
        } catch {
          return 0;
        }
      };
      return size(path) + size(`${path}-wal`);
    },
    close: async () => {
      db.close();
    },
  };
}
