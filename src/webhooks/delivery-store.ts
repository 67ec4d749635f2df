import { sql } from '../db/client.ts';
import { timestampText } from '../db/sql/postgres-client.ts';
import { type Row, type SqlParam, toDate } from '../db/sql/sql-client.ts';
import { orRollBack, RollBack } from '../db/transaction.ts';
import type { ChangePosition } from '../domain/history/change.ts';
import { endpointColumns, endpointFromRow, type WebhookEndpoint } from './endpoint-rows.ts';

/**
 * The dispatcher's statements: the lease, taking the next change for delivery, and recording each attempt. Each is
 * one small transaction; the ones that move delivery on require this instance's lease, so an instance that lost it
 * (paused, cut off) cannot take a change another one now delivers.
 */

export interface LeaseRef {
  orgId: string;
  id: string;
}

const renewLeases = `UPDATE "WebhookEndpoint" SET "leaseUntil" = $2
  WHERE "leaseOwner" = $1 AND "enabled" = $3 RETURNING "orgId", "id"`;

// The inner SELECT picks candidates; the outer WHERE checks them again on the row as it is when updated (PostgreSQL
// re-reads a row another transaction changed meanwhile), so two instances never both take one.
// Its own lapsed lease too (an endpoint enabled again after a pause): taken back at once.
const claimLeases = `UPDATE "WebhookEndpoint" SET "leaseOwner" = $1, "leaseUntil" = $2
  WHERE "enabled" = $4 AND ("leaseOwner" IS NULL OR "leaseUntil" < $3 OR "leaseOwner" = $1)
    AND ("orgId", "id") IN (SELECT "orgId", "id" FROM "WebhookEndpoint"
      WHERE "enabled" = $4 AND ("leaseOwner" IS NULL OR "leaseUntil" < $3 OR "leaseOwner" = $1) LIMIT $5)
  RETURNING "orgId", "id"`;

/** Renews this instance's leases and takes up to `claimAtMost` free or expired ones: the endpoints it now holds. */
export async function holdLeases(owner: string, leaseMs: number, claimAtMost: number): Promise<LeaseRef[]> {
  const now = new Date();
  const until = new Date(now.getTime() + leaseMs);
  const renewed = await sql.all(renewLeases, [owner, until, true]);
  const claimed = await sql.all(claimLeases, [owner, until, now, true, claimAtMost]);
  return [...renewed, ...claimed].map((row) => ({ orgId: row.orgId as string, id: row.id as string }));
}

/** Gives up leases (at shutdown), so another instance takes these endpoints over at once. */
export async function releaseLeases(owner: string, endpoints: readonly LeaseRef[]): Promise<void> {
  for (const { orgId, id } of endpoints) {
    await sql.run(
      `UPDATE "WebhookEndpoint" SET "leaseOwner" = NULL, "leaseUntil" = NULL
        WHERE "orgId" = $1 AND "id" = $2 AND "leaseOwner" = $3`,
      [orgId, id, owner],
    );
  }
}

export async function readEndpoint(orgId: string, id: string): Promise<WebhookEndpoint | null> {
  const [row] = await sql.all(`SELECT ${endpointColumns} FROM "WebhookEndpoint" WHERE "orgId" = $1 AND "id" = $2`, [
    orgId,
    id,
  ]);
  return row ? endpointFromRow(row) : null;
}

/** A delivery being worked on: what an attempt sends, and when. */
export interface PendingDelivery {
  seq: number;
  webhookId: string;
  attempts: number;
  nextAttemptAt: Date;
  changeAt: Date;
  body: string;
}

function pendingFromRow(row: Row): PendingDelivery {
  return {
    seq: Number(row.seq),
    webhookId: row.webhookId as string,
    attempts: Number(row.attempts),
    nextAttemptAt: toDate(row.nextAttemptAt),
    changeAt: toDate(row.changeAt),
    body: row.body as string,
  };
}

/** The endpoint's delivery still to be made (at most one: changes go out one at a time), or null. */
export async function readPending(orgId: string, endpointId: string): Promise<PendingDelivery | null> {
  const [row] = await sql.all(
    `SELECT "seq", "webhookId", "attempts", "nextAttemptAt", "changeAt", "body" FROM "WebhookDelivery"
      WHERE "orgId" = $1 AND "endpointId" = $2 AND "status" = 'PENDING' ORDER BY "seq" LIMIT 1`,
    [orgId, endpointId],
  );
  return row ? pendingFromRow(row) : null;
}

/** The user attributes whose values nobody sees (CONTRACT §10): webhooks send them as null. */
export async function hiddenValueIds(orgId: string): Promise<Set<string>> {
  const rows = await sql.all(`SELECT "id" FROM "UserAttribute" WHERE "orgId" = $1 AND "valueIsHidden" = $2`, [
    orgId,
    true,
  ]);
  return new Set(rows.map((row) => row.id as string));
}

export interface NewDelivery {
  webhookId: string;
  changeCursor: string;
  changeAt: Date;
  body: string;
}

/**
 * Takes the change at `to` for delivery: moves the endpoint's position from `from` to it and adds its PENDING
 * delivery, due now. Null (nothing written) when the position is no longer `from` (a replay moved it) or the lease
 * is not this instance's any more.
 */
export function takeChange(
  endpoint: LeaseRef,
  owner: string,
  from: ChangePosition,
  to: ChangePosition,
  delivery: NewDelivery,
): Promise<PendingDelivery | null> {
  const now = new Date();
  return orRollBack(() =>
    sql.transaction(async (tx) => {
      const [moved] = await tx.all(
        `UPDATE "WebhookEndpoint" SET "positionTxid" = CAST($5 AS BIGINT), "positionId" = CAST($6 AS BIGINT),
          "nextSeq" = "nextSeq" + 1
          WHERE "orgId" = $1 AND "id" = $2 AND "positionTxid" = CAST($3 AS BIGINT) AND "positionId" = CAST($4 AS BIGINT)
            AND "leaseOwner" = $7 AND "leaseUntil" > $8
          RETURNING "nextSeq"`,
        [endpoint.orgId, endpoint.id, from.txid, from.id, to.txid, to.id, owner, now],
      );
      if (!moved) throw new RollBack(null);
      const seq = Number(moved.nextSeq) - 1;
      await tx.run(
        `INSERT INTO "WebhookDelivery" ("orgId", "endpointId", "seq", "webhookId", "changeCursor", "status",
          "attempts", "nextAttemptAt", "changeAt", "body") VALUES ($1, $2, $3, $4, $5, 'PENDING', 0, $6, $7, $8)`,
        [
          endpoint.orgId,
          endpoint.id,
          seq,
          delivery.webhookId,
          delivery.changeCursor,
          now,
          delivery.changeAt,
          delivery.body,
        ],
      );
      return {
        seq,
        webhookId: delivery.webhookId,
        attempts: 0,
        nextAttemptAt: now,
        changeAt: delivery.changeAt,
        body: delivery.body,
      };
    }),
  );
}

/** A change delivered on its first attempt, not yet recorded (recordDelivered writes a batch of them at once). */
export interface DeliveredChange {
  position: ChangePosition;
  webhookId: string;
  changeCursor: string;
  changeAt: Date;
  status: number | null;
  at: Date;
}

const deliveredColumns = 11;
const insertDelivered = new Map<number, string>();

/** The INSERT of `n` delivered rows (one text per batch size, and batches have at most a few sizes in practice). */
function insertDeliveredRows(n: number): string {
  let text = insertDelivered.get(n);
  if (!text) {
    const rows = Array.from({ length: n }, (_, i) => {
      const p = (k: number) => `$${i * deliveredColumns + k}`;
      return `(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, 'DELIVERED', 1, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)})`;
    });
    text = `INSERT INTO "WebhookDelivery" ("orgId", "endpointId", "seq", "webhookId", "changeCursor", "status",
      "attempts", "lastStatusCode", "deliveredAt", "firstAttemptAt", "changeAt", "body", "nextAttemptAt")
      VALUES ${rows.join(', ')}`;
    insertDelivered.set(n, text);
  }
  return text;
}

// The lease's owner, not its expiry: while this instance is still the owner nobody else has delivered. The seq too:
// a replay bumps it, so a replay back to this very position is not overwritten by the batch.
const moveDelivered = `UPDATE "WebhookEndpoint" SET "positionTxid" = CAST($5 AS BIGINT), "positionId" = CAST($6 AS BIGINT),
    "nextSeq" = "nextSeq" + $8, "lastDeliveredAt" = $9, "failingSince" = NULL
    WHERE "orgId" = $1 AND "id" = $2 AND "positionTxid" = CAST($3 AS BIGINT) AND "positionId" = CAST($4 AS BIGINT)
      AND "leaseOwner" = $7 AND "nextSeq" = $10
    RETURNING "nextSeq"`;

// PostgreSQL: the position moved and the rows added in one statement, one round trip instead of four (BEGIN, the
// two, COMMIT) while the endpoint's next delivery waits; nothing is added when the position did not move. Dates as
// UTC wall-clock text, as every other statement binds them for a `timestamp(3)` column.
const recordDeliveredPostgres = `WITH moved AS (${moveDelivered}),
  added AS (INSERT INTO "WebhookDelivery" ("orgId", "endpointId", "seq", "webhookId", "changeCursor", "status",
      "attempts", "lastStatusCode", "deliveredAt", "firstAttemptAt", "changeAt", "body", "nextAttemptAt")
    SELECT $1, $2, moved."nextSeq" - $8 + d.i - 1, d.webhook_id, d.change_cursor, 'DELIVERED', 1, d.status, d.at, d.at,
      d.change_at, '', NULL
    FROM moved, unnest(CAST($11 AS TEXT[]), CAST($12 AS TEXT[]), CAST($13 AS INTEGER[]), CAST($14 AS TIMESTAMP(3)[]),
      CAST($15 AS TIMESTAMP(3)[])) WITH ORDINALITY AS d(webhook_id, change_cursor, status, at, change_at, i))
  SELECT "nextSeq" FROM moved`;

/**
 * Records changes delivered on their first attempt, in order, at once: their DELIVERED rows, and the endpoint's
 * position moved from `from` to the last of them; the endpoint's next seq after them. Null (nothing written) when the
 * position is no longer `from` (a replay moved it) or another instance holds the endpoint now: it resends them, as
 * after a crash. The position is only ever moved past changes already delivered, so a crash loses none (it resends
 * the unrecorded tail).
 */
export async function recordDelivered(
  endpoint: LeaseRef,
  owner: string,
  from: ChangePosition,
  fromSeq: number,
  delivered: readonly DeliveredChange[],
): Promise<number | null> {
  const last = delivered.at(-1);
  if (!last) return null;
  const moveParams: SqlParam[] = [
    endpoint.orgId,
    endpoint.id,
    from.txid,
    from.id,
    last.position.txid,
    last.position.id,
    owner,
    delivered.length,
    last.at,
    fromSeq,
  ];
  if (sql.dialect === 'postgresql') {
    const [moved] = await sql.all(recordDeliveredPostgres, [
      ...moveParams,
      delivered.map((change) => change.webhookId),
      delivered.map((change) => change.changeCursor),
      // A delivery made on its first attempt had a 2xx response, so a status.
      delivered.map((change) => String(change.status)),
      delivered.map((change) => timestampText(change.at)),
      delivered.map((change) => timestampText(change.changeAt)),
    ]);
    return moved ? Number(moved.nextSeq) : null;
  }
  return orRollBack(() =>
    sql.transaction(async (tx) => {
      const [moved] = await tx.all(moveDelivered, moveParams);
      if (!moved) throw new RollBack(null);
      const nextSeq = Number(moved.nextSeq);
      const firstSeq = nextSeq - delivered.length;
      const params = delivered.flatMap((change, i) => [
        endpoint.orgId,
        endpoint.id,
        firstSeq + i,
        change.webhookId,
        change.changeCursor,
        change.status,
        change.at,
        change.at,
        change.changeAt,
        '',
        null,
      ]);
      await tx.run(insertDeliveredRows(delivered.length), params);
      return nextSeq;
    }),
  );
}

export interface AttemptRecord {
  status: number | null;
  error: string | null;
  /** DELIVERED, FAILED (no retry left), or PENDING again at `nextAttemptAt`. */
  outcome: 'DELIVERED' | 'FAILED' | 'PENDING';
  nextAttemptAt: Date | null;
  at: Date;
}

/**
 * Records one attempt's result on the delivery and the endpoint (one transaction). A finished delivery's body is
 * dropped: only attempts need it, and the log keeps the change.
 */
export async function recordAttempt(endpoint: LeaseRef, seq: number, record: AttemptRecord): Promise<void> {
  const { orgId, id } = endpoint;
  await sql.transaction(async (tx) => {
    const count = await tx.run(
      `UPDATE "WebhookDelivery" SET "attempts" = "attempts" + 1, "status" = $4, "lastStatusCode" = $5, "lastError" = $6,
        "nextAttemptAt" = $7, "deliveredAt" = $8, "firstAttemptAt" = COALESCE("firstAttemptAt", $9),
        "body" = CASE WHEN $4 = 'PENDING' THEN "body" ELSE '' END
        WHERE "orgId" = $1 AND "endpointId" = $2 AND "seq" = $3 AND "status" = 'PENDING'`,
      [
        orgId,
        id,
        seq,
        record.outcome,
        record.status,
        record.error,
        record.nextAttemptAt,
        record.outcome === 'DELIVERED' ? record.at : null,
        record.at,
      ],
    );
    if (count === 0) return; // replayed (given up) or deleted meanwhile
    if (record.outcome === 'PENDING') {
      await tx.run(
        `UPDATE "WebhookEndpoint" SET "failingSince" = COALESCE("failingSince", $3) WHERE "orgId" = $1 AND "id" = $2`,
        [orgId, id, record.at],
      );
    } else {
      await tx.run(
        `UPDATE "WebhookEndpoint" SET "failingSince" = NULL${record.outcome === 'DELIVERED' ? ', "lastDeliveredAt" = $3' : ''}
          WHERE "orgId" = $1 AND "id" = $2`,
        record.outcome === 'DELIVERED' ? [orgId, id, record.at] : [orgId, id],
      );
    }
  });
}

const pruneBatchSize = 1000;
const pruneBatch = `DELETE FROM "WebhookDelivery" WHERE ("orgId", "endpointId", "seq") IN (
  SELECT "orgId", "endpointId", "seq" FROM "WebhookDelivery"
  WHERE "status" <> 'PENDING' AND "changeAt" < $1 LIMIT ${pruneBatchSize})`;

/** Deletes finished deliveries of changes older than `before`, a bounded batch per statement. */
export async function pruneDeliveries(before: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await sql.run(pruneBatch, [before]);
    total += deleted;
    if (deleted < pruneBatchSize) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
