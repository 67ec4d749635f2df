// Writes seed rows to PostgreSQL: per table one INSERT … SELECT FROM unnest(arrays), one transaction per batch.
import pg from 'pg';
import { type Rows, type TableKey, tables } from './rows.ts';
import type { SeedWriter } from './writer.ts';

const pgType = { text: 'text', bool: 'boolean', int: 'integer', ts: 'timestamp(3)' } as const;

export function postgresWriter(url: string): SeedWriter {
  const client = new pg.Client({ connectionString: url, application_name: 'attrql-bench-seed' });
  const connected = client.connect();
  const sql = new Map(
    Object.entries(tables).map(([key, table]) => {
      const columns = table.columns.map(([name]) => `"${name}"`).join(', ');
      const arrays = table.columns.map(([, type], i) => `$${i + 1}::${pgType[type]}[]`).join(', ');
      return [key, `INSERT INTO "${table.name}" (${columns}) SELECT * FROM unnest(${arrays})`];
    }),
  );
  return {
    write: async (rows: Rows) => {
      await connected;
      await client.query('BEGIN');
      try {
        for (const key of Object.keys(tables) as TableKey[]) {
          const batch = rows[key];
          if (batch.length === 0) continue;
          const columns = tables[key].columns.map((_, i) => batch.map((row) => row[i] ?? null));
          await client.query(sql.get(key) as string, columns);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
    finish: async () => {
      await connected;
      await client.query('ANALYZE');
    },
    sizeBytes: async () => {
      await connected;
      const result = await client.query('SELECT pg_database_size(current_database())::bigint AS size');
      return Number(result.rows[0]?.size ?? 0);
    },
    close: async () => {
      await connected;
      await client.end();
    },
  };
}
