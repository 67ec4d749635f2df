import type { SqlRunner } from '../../db/sql/sql-client.ts';
import type { ChangeEntry, PersonChangeKind, Writer } from './change.ts';

/** The PostgreSQL channel a committed change wakes the listeners of every instance on (payload: the org id). */
export const changeChannel = 'attrql_person_changes';

const insertChange = {
  sqlite: `INSERT INTO "PersonChange" ("orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  // The transaction's id orders the change (see read.ts), and NOTIFY is delivered at commit, so a listener wakes
  // only once the change can be read: both in the insert's own statement.
  postgresql: `WITH logged AS (
      INSERT INTO "PersonChange" ("txid", "orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
      VALUES (pg_current_xact_id()::text::bigint, $1, $2, $3, $4, $5, $6, $7, $8) RETURNING 1)
    SELECT pg_notify('${changeChannel}', $1) FROM logged`,
};

export interface NewChange {
  personId: string;
  kind: PersonChangeKind;
  /** The person's eTag after the write; null for DELETED. */
  eTag: string | null;
  entries: ChangeEntry[];
  at?: Date;
}

type Listener = () => void;
const listeners = new Set<Listener>();

/** Called (soon after) whenever this process records a change: the live feed reads the log then. */
export function onChangeRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Adds the change to the log inside the write's transaction `tx` (one statement), so it commits or rolls back with
 * the write. An UPDATED change without entries changed nothing and is not recorded.
 */
export async function recordChange(tx: SqlRunner, by: Writer, change: NewChange): Promise<void> {
  if (change.kind === 'UPDATED' && change.entries.length === 0) return;
  await tx.run(insertChange, [
    by.orgId,
    change.personId,
    change.kind,
    change.eTag,
    change.at ?? new Date(),
    by.actor.kind,
    by.actor.id,
    JSON.stringify(change.entries),
  ]);
  // On SQLite the transaction holds the connection's lock until it commits, so a read this wakes sees the change.
  if (listeners.size) {
    setImmediate(() => {
      for (const listener of listeners) listener();
    });
  }
}
