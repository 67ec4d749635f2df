import { sql } from '../../db/client.ts';
import type { SqlParam, SqlRunner } from '../../db/sql/sql-client.ts';
import { log } from '../../log.ts';
import type { ChangeEntry, PersonChange, PersonChangeKind, Writer } from './change.ts';

/** The PostgreSQL channel a committed change wakes the listeners of every instance on (payload: see notifiedOrgs). */
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
 * Told whenever a change this process recorded has committed, with its organization. On SQLite it gets the change
 * itself: its id follows commit order there, so the live feed may hand it on without reading it back.
 */
type Listener = (orgId: string, change?: PersonChange) => void;
const listeners = new Set<Listener>();

/** Called whenever a change this process recorded has committed: the live feed reads the log then. */
export function onChangeRecorded(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** PostgreSQL: at most one NOTIFY per this many ms from one instance, however many changes commit meanwhile. */
const notifyEveryMs = 10;
/** Past this many characters of organization ids, a NOTIFY names none ("any organization"; payloads end at 8,000 bytes). */
const maxPayloadChars = 4000;
let notifyTimer: NodeJS.Timeout | null = null;
const notifyOrgs = new Set<string>();

/**
 * The organizations a NOTIFY payload names (comma-separated ids), or null when it names none: then it may concern
 * any organization (a burst of too many, or a sender that does not say).
 */
export function notifiedOrgs(payload: string): string[] | null {
  return payload === '' ? null : payload.split(',');
}

/**
 * After a change of `orgId` committed: wakes this process's feed at once, and on PostgreSQL every instance's with one
 * NOTIFY per burst, naming the burst's organizations (an instance without subscribers in them reads nothing). Sent
 * after the commit, not inside the write: a NOTIFY in the write's transaction would serialize every write's commit
 * on PostgreSQL's notification lock, and one per write would add a round trip to each.
 */
export function changeCommitted(orgId: string, change?: PersonChange): void {
  for (const listener of listeners) listener(orgId, change);
  if (!sql.notify) return;
  notifyOrgs.add(orgId);
  if (notifyTimer) return;
  notifyTimer = setTimeout(() => {
    notifyTimer = null;
    const payload = [...notifyOrgs].join(',');
    notifyOrgs.clear();
    sql
      .notify?.(changeChannel, payload.length > maxPayloadChars ? '' : payload)
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
    tx.afterCommit(() => changeCommitted(orgId));
    return;
  }
  const [row] = await tx.all<{ id: number }>(insertChange, params);
  const { personId, kind, eTag, entries } = change;
  const recorded = { position: { txid: '0', id: String(row?.id) }, orgId, personId, kind, eTag, at, actor, entries };
  tx.afterCommit(() => changeCommitted(orgId, recorded));
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
  if (count > 0) tx.afterCommit(() => changeCommitted(by.orgId));
  return count;
}
