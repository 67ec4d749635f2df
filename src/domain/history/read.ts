import { sql } from '../../db/client.ts';
import { inList, perDialect, type Row, type SqlParam, type SqlRunner, toDate } from '../../db/sql/sql-client.ts';
import type { ChangeActor, ChangeEntry, ChangePosition, PersonChange, PersonChangeKind } from './change.ts';
import { type ChangeFilter, filterClause, filterParams } from './filter.ts';

/**
 * Reading the change log. Order is (txid, id). On SQLite writes are serialized, so that is commit order. On
 * PostgreSQL a row's id and txid are fixed before its transaction commits, so a transaction that started first
 * may commit after a later one: readers of the feed (oldest first) therefore read only rows of transactions below
 * the oldest one still running (its snapshot's xmin), every one of which has ended. Whatever commits later has a
 * txid at or above that bound, so it sorts after everything already read: no reader ever meets a change below a
 * cursor it has passed, and none is skipped. For one person, txid order is the order its writes took effect: they
 * take the person's writer lock before the write that assigns the txid (domain/persons/person-lock.ts).
 */

const columns = `c."txid", c."id", c."orgId", c."personId", c."kind", c."eTag", c."at", c."actorKind", c."actorId", c."entries"`;

const after = (txid: string, id: string) => `(c."txid", c."id") > (CAST(${txid} AS BIGINT), CAST(${id} AS BIGINT))`;
const before = (txid: string, id: string) => `(c."txid", c."id") < (CAST(${txid} AS BIGINT), CAST(${id} AS BIGINT))`;

export function changeFromRow(row: Row): PersonChange {
  return {
    position: { txid: String(row.txid), id: String(row.id) },
    orgId: row.orgId as string,
    personId: row.personId as string,
    kind: row.kind as PersonChangeKind,
    eTag: (row.eTag as string | null) ?? null,
    at: toDate(row.at),
    actor: { kind: row.actorKind as ChangeActor['kind'], id: row.actorId as string },
    entries: JSON.parse(row.entries as string) as ChangeEntry[],
  };
}

const positionParams = (position: ChangePosition | null | undefined): SqlParam[] =>
  position ? [position.txid, position.id] : [null, null];

// The oldest running transaction may belong to another database of the same PostgreSQL server (any long
// transaction there holds xmin back), and can never write here. This bound skips the transactions positively
// owned by a session of another database (pg_locks: each holds an exclusive lock on its own id); any other
// running one, or one that ended since the snapshot, still bounds. Costlier (it reads the lock table once), so the
// live feed uses it only when the same oldest transaction has held changes back for a while (change-feed.ts);
// page reads (the query, a subscription's replay) always do, so they never lag behind what the feed delivered.
const ourDatabaseBound = `COALESCE(
  (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) x
    WHERE (x::text::bigint % 4294967296)::text NOT IN (
      SELECT l.transactionid::text FROM pg_locks l
      WHERE l.locktype = 'transactionid' AND l.granted AND l.mode = 'ExclusiveLock' AND l.transactionid IS NOT NULL
        AND l.pid IN (SELECT a.pid FROM pg_stat_activity a
          WHERE a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())))),
  pg_snapshot_xmax(pg_current_snapshot())::text::bigint)`;

// $1 org, $2 person or null, $3/$4 position or nulls, $5… the filter, $12 limit.
const orgFeed = perDialect(
  (d) => `SELECT ${columns} FROM "PersonChange" c
    WHERE c."orgId" = $1 AND (CAST($2 AS TEXT) IS NULL OR c."personId" = $2)
      AND (CAST($3 AS BIGINT) IS NULL OR ${after('$3', '$4')})
      AND ${d === 'sqlite' ? 'true' : `c."txid" < ${ourDatabaseBound}`} AND ${filterClause(d, 5)}
    ORDER BY c."txid", c."id" LIMIT $12`,
);

/** An organization's changes after `position`, oldest first, at most `limit` (the personChanges feed). */
export async function readOrgChanges(
  orgId: string,
  position: ChangePosition | null | undefined,
  limit: number,
  options: { personId?: string | null; filter?: ChangeFilter } = {},
): Promise<PersonChange[]> {
  const rows = await sql.all(orgFeed, [
    orgId,
    options.personId ?? null,
    ...positionParams(position),
    ...filterParams(options.filter ?? {}),
    limit,
  ]);
  return rows.map(changeFromRow);
}

// $1 org, $2 persons, $3/$4 position or nulls, $5… the filter, $12 limit per person. Newest first; not bounded
// like the feed, so a caller sees its own write at once.
const personHistories = perDialect(
  (d) => `SELECT * FROM (
      SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY c."personId" ORDER BY c."txid" DESC, c."id" DESC) AS "rank"
      FROM "PersonChange" c
      WHERE c."orgId" = $1 AND c."personId" ${inList(d, 2)}
        AND (CAST($3 AS BIGINT) IS NULL OR ${before('$3', '$4')}) AND ${filterClause(d, 5)}) ranked
    WHERE "rank" <= $12 ORDER BY "personId", "txid" DESC, "id" DESC`,
);

/** Each person's changes before `position`, newest first, at most `limit` each: one statement for all persons. */
export async function readHistories(
  orgId: string,
  personIds: readonly string[],
  position: ChangePosition | null | undefined,
  limit: number,
  filter: ChangeFilter,
): Promise<Map<string, PersonChange[]>> {
  const rows = await sql.all(personHistories, [
    orgId,
    [...personIds],
    ...positionParams(position),
    ...filterParams(filter),
    limit,
  ]);
  const byPerson = new Map<string, PersonChange[]>(personIds.map((id) => [id, []]));
  for (const row of rows) byPerson.get(row.personId as string)?.push(changeFromRow(row));
  return byPerson;
}

const sqliteFeed = `SELECT ${columns} FROM "PersonChange" c WHERE ${after('$1', '$2')}
  ORDER BY c."txid", c."id" LIMIT $3`;

// One statement (one snapshot): the rows below `bound`, whether committed rows at or above it wait, the bound, and
// the snapshot's xmin and xmax. With no row to read, one row of nulls still carries "waiting" and "xmin". The bound is
// computed once (MATERIALIZED): inlined into the row filter, it would be computed again for every row.
const postgresFeed = (bound: string) => `WITH b AS MATERIALIZED (
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS "xmin",
      pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS "xmax", ${bound} AS "bound"),
  w AS MATERIALIZED (SELECT b."xmin", b."xmax", b."bound",
    EXISTS (SELECT 1 FROM "PersonChange" c WHERE ${after('$1', '$2')} AND c."txid" >= b."bound") AS "waiting" FROM b)
  SELECT w."xmin", w."xmax", w."bound" AS "feedBound", w."waiting", s.* FROM w LEFT JOIN LATERAL (
    SELECT ${columns} FROM "PersonChange" c WHERE ${after('$1', '$2')} AND c."txid" < w."bound"
    ORDER BY c."txid", c."id" LIMIT $3) s ON true`;
const postgresFeedBelowXmin = postgresFeed('pg_snapshot_xmin(pg_current_snapshot())::text::bigint');
const postgresFeedPastOtherDatabases = postgresFeed(ourDatabaseBound);

export interface FeedBatch {
  /** The changes read of the organizations `concerns` accepted, oldest first. */
  changes: PersonChange[];
  /** How many changes were read, of every organization (fewer than the limit: the log was read to its end). */
  read: number;
  /** The position of the last change read, of whichever organization; null when none was. */
  end: ChangePosition | null;
  /**
   * PostgreSQL: committed changes after the position wait for an older transaction to end (which may write no
   * change, and so send no wake-up): the feed reads again shortly.
   */
  waiting: boolean;
  /** PostgreSQL: the oldest running transaction (the snapshot's xmin). While it stays the same, it holds changes back. */
  xmin: string;
  /**
   * PostgreSQL: every change of a transaction below `bound` that has committed was read (when `read` < the limit);
   * every transaction that had committed when the read began is below `xmax`. SQLite: both 0.
   */
  bound: bigint;
  xmax: bigint;
}

/**
 * What one instance's live feed reads: every organization's changes after `position`, at most `limit`; only those
 * of the organizations `concerns` accepts are decoded (the others' entries are never parsed).
 * `pastOtherDatabases`: do not wait for transactions of other databases (PostgreSQL; see above).
 */
export async function readFeed(
  position: ChangePosition,
  limit: number,
  concerns: (orgId: string) => boolean,
  pastOtherDatabases = false,
): Promise<FeedBatch> {
  const params = [position.txid, position.id, limit];
  const postgres = sql.dialect === 'postgresql';
  const statement = !postgres
    ? sqliteFeed
    : pastOtherDatabases
      ? postgresFeedPastOtherDatabases
      : postgresFeedBelowXmin;
  const rows = await sql.all(statement, params);
  const first = rows[0];
  // PostgreSQL: with no change to read, one row of nulls still carries "waiting" and "xmin".
  const read = postgres ? rows.filter((row) => row.id != null) : rows;
  const last = read.at(-1);
  return {
    changes: read.filter((row) => concerns(row.orgId as string)).map(changeFromRow),
    read: read.length,
    end: last ? { txid: String(last.txid), id: String(last.id) } : null,
    waiting: postgres && first?.waiting === true,
    xmin: postgres ? String(first?.xmin) : '0',
    bound: postgres ? BigInt(first?.feedBound as string) : 0n,
    xmax: postgres ? BigInt(first?.xmax as string) : 0n,
  };
}

const maxId = '9223372036854775807';
const currentEnd = {
  sqlite: `SELECT 0 AS "txid", COALESCE(MAX("id"), 0) AS "id" FROM "PersonChange"`,
  postgresql: `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1 AS "txid", ${maxId} AS "id"`,
};

/** A position after every change readable now and before every one still to commit: where a live feed starts. */
export async function currentPosition(runner: SqlRunner = sql): Promise<ChangePosition> {
  const [row] = await runner.all(currentEnd);
  return { txid: String(row?.txid ?? 0), id: String(row?.id ?? 0) };
}
