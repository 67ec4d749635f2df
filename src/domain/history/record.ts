import { sql } from '../../db/client.ts';
import type { SqlRunner } from '../../db/sql/sql-client.ts';
import { log } from '../../log.ts';
import type { ChangeEntry, PersonChangeKind, Writer } from './change.ts';

/** The PostgreSQL channel a committed change wakes the listeners of every instance on (payload: the org id). */
export const changeChannel = 'attrql_person_changes';

const insertChange = {
  sqlite: `INSERT INTO "PersonChange" ("orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  // The transaction's id orders the change (see read.ts).
  postgresql: `INSERT INTO "PersonChange" ("txid", "orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
    VALUES (pg_current_xact_id()::text::bigint, $1, $2, $3, $4, $5, $6, $7, $8)`,
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

/** Called whenever a change this process recorded has committed: the live feed reads the log then. */
export function onChangeRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** PostgreSQL: at most one NOTIFY per this many ms from one instance, however many changes commit meanwhile. */
const notifyEveryMs = 10;
let notifyTimer: NodeJS.Timeout | null = null;

/**
 * After a change committed: wakes this process's feed at once, and on PostgreSQL every instance's with one NOTIFY
 * per burst. Sent after the commit, not inside the write: a NOTIFY in the write's transaction would serialize every
 * write's commit on PostgreSQL's notification lock, and one per write would add a round trip to each.
 */
export function changeCommitted(): void {
  for (const listener of listeners) listener();
  if (sql.dialect !== 'postgresql' || notifyTimer) return;
  notifyTimer = setTimeout(() => {
    notifyTimer = null;
    sql
      .run(`SELECT pg_notify('${changeChannel}', '')`)
      .catch((error: Error) => log('could not notify the other instances of a change', { error: error.message }));
  }, notifyEveryMs);
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
  tx.afterCommit(changeCommitted);
}
