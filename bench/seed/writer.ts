import type { Rows } from './rows.ts';

/** Where seed rows go: SQLite or PostgreSQL. */
export interface SeedWriter {
  /** Writes one batch in one transaction. */
  write(rows: Rows): Promise<void>;
  /** After the last batch (checkpoint, ANALYZE). */
  finish(): Promise<void>;
  /** The database's size on disk. */
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
