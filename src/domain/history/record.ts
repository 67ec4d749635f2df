import { sql } from '../../db/client.ts';
import type { SqlParam, SqlRunner } from '../../db/sql/sql-client.ts';
import { log } from '../../log.ts';
import type { ChangeEntry, PersonChange, PersonChangeKind, Writer } from './change.ts';

/** The PostgreSQL channel a committed change wakes the listeners of every instance on (payload: the org id). */
export const changeChannel = 'attrql_person_changes';

/** PostgreSQL: a change row from `source`, values or a SELECT; the transaction's id orders it (see read.ts). */
const insertChangeOnPostgres = (source: string) =>
  `INSERT INTO "PersonChange" ("txid", "orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries") ${source}`;

const insertChange = {
  sqlite: `INSERT INTO "PersonChange" ("orgId", "personId", "kind", "eTag", "at", "actorKind", "actorId", "entries")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "id"`,
  postgresql: insertChangeOnPostgres('VALUES (pg_current_xact_id()::text::bigint, $1, $2, $3, $4, $5, $6, $7, $8)'),
};

/** The values of a change row, in the order of the INSERTs above. */
const changeParams = (by: Writer, change: NewChange, at: Date): SqlParam[] => [
  by.orgId,
  change.personId,
  change.kind,
  change.eTag,
  at,
  by.actor.kind,
  by.actor.id,
  JSON.stringify(change.entries),
];

export interface NewChange {
  personId: string;
  kind: PersonChangeKind;
  /** The person's eTag after the write; null for DELETED. */
  eTag: string | null;
  entries: ChangeEntry[];
  at?: Date;
}

/**
 * Told whenever a change this process recorded has committed. On SQLite it gets the change itself: its id follows
 * commit order there, so the live feed may hand it on without reading it back.
 */
type Listener = (change?: PersonChange) => void;
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
export function changeCommitted(change?: PersonChange): void {
  for (const listener of listeners) listener(change);
  if (!sql.notify || notifyTimer) return;
  notifyTimer = setTimeout(() => {
    notifyTimer = null;
    sql
      .notify?.(changeChannel)
      .catch((error: Error) => log('could not notify the other instances of a change', { error: error.message }));
  }, notifyEveryMs);
}

/** An UPDATED change without entries changed nothing: it is not recorded. */
const changesNothing = (change: NewChange) => change.kind === 'UPDATED' && change.entries.length === 0;

/**
 * Adds the change to the log inside the write's transaction `tx` (one statement), so it commits or rolls back with
 * the write. An UPDATED change without entries changed nothing and is not recorded.
 */
export async function recordChange(tx: SqlRunner, by: Writer, change: NewChange): Promise<void> {
  if (changesNothing(change)) return;
  const at = change.at ?? new Date();
  const { orgId, actor } = by;
  const params = changeParams(by, change, at);
  if (tx.dialect === 'postgresql') {
    await tx.run(insertChange, params);
    tx.afterCommit(changeCommitted);
    return;
  }
  const [row] = await tx.all<{ id: number }>(insertChange, params);
  const { personId, kind, eTag, entries } = change;
  const recorded = { position: { txid: '0', id: String(row?.id) }, orgId, personId, kind, eTag, at, actor, entries };
  tx.afterCommit(() => changeCommitted(recorded));
}

/**
 * Runs `write` (an UPDATE whose row count decides whether the write happened) and records the change only when it
 * changed a row: on PostgreSQL in the same statement (`WITH written AS (… RETURNING 1) INSERT … SELECT`), one round
 * trip fewer; on SQLite, where a statement costs no round trip, as two. Resolves with the rows written.
 */
export async function writeAndRecord(
  tx: SqlRunner,
  by: Writer,
  change: NewChange,
  write: { text: string; params: readonly SqlParam[] },
): Promise<number> {
  if (tx.dialect !== 'postgresql' || changesNothing(change)) {
    const count = await tx.run(write.text, write.params);
    if (count > 0) await recordChange(tx, by, change);
    return count;
  }
  const params = changeParams(by, change, change.at ?? new Date());
  const placeholders = params.map((_, i) => `$${write.params.length + i + 1}`).join(', ');
  const statement = `WITH written AS (${write.text} RETURNING 1)
    ${insertChangeOnPostgres(`SELECT pg_current_xact_id()::text::bigint, ${placeholders} FROM written`)}`;
  const count = await tx.run(statement, [...write.params, ...params]);
  if (count > 0) tx.afterCommit(changeCommitted);
  return count;
}
