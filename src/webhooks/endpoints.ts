import { randomUUID } from 'node:crypto';
import { sql } from '../db/client.ts';
import { perDialect } from '../db/sql/sql-client.ts';
import type { ChangeArea } from '../domain/history/change.ts';
import { decodeCursor } from '../domain/history/cursor.ts';
import { currentPosition } from '../domain/history/read.ts';
import { requireRetained } from '../domain/history/retention.ts';
import { badInputAt, notFound } from '../errors.ts';
import { refusedUrl } from './addresses.ts';
import { endpointColumns, endpointFromRow, type WebhookEndpoint } from './endpoint-rows.ts';
import { newWebhookSecret } from './signature.ts';
import { endpointsChanged } from './wake.ts';

/** CONTRACT §13: at most this many endpoints per organization. */
export const maxEndpointsPerOrg = 20;
/** How long the secret before a rotation still signs. */
const rotationOverlapMs = 24 * 3_600_000;

export interface EndpointInput {
  url?: string | null;
  description?: string | null;
  areas?: readonly ChangeArea[] | null;
  personId?: string | null;
  enabled?: boolean | null;
}

async function checkUrl(url: string): Promise<void> {
  const why = await refusedUrl(url);
  if (why) throw badInputAt(['input', 'url'], why);
}

function checkAreas(areas: readonly ChangeArea[] | null | undefined): string | null {
  if (areas == null) return null;
  if (areas.length === 0) throw badInputAt(['input', 'areas'], 'must name at least one area, or be left out for all');
  return JSON.stringify([...new Set(areas)]);
}

const selectEndpoint = `SELECT ${endpointColumns} FROM "WebhookEndpoint" WHERE "orgId" = $1 AND "id" = $2`;

export async function findEndpoint(orgId: string, id: string): Promise<WebhookEndpoint> {
  const [row] = await sql.all(selectEndpoint, [orgId, id]);
  if (!row) throw notFound('Webhook endpoint');
  return endpointFromRow(row);
}

export async function listEndpoints(orgId: string): Promise<WebhookEndpoint[]> {
  const rows = await sql.all(
    `SELECT ${endpointColumns} FROM "WebhookEndpoint" WHERE "orgId" = $1 ORDER BY "createdAt", "id"`,
    [orgId],
  );
  return rows.map(endpointFromRow);
}

// Creations of one organization take turns (PostgreSQL: on its row; SQLite: every write does), so the count holds.
const lockOrg = perDialect((d) =>
  d === 'sqlite'
    ? `SELECT "id" FROM "Organization" WHERE "id" = $1`
    : `SELECT "id" FROM "Organization" WHERE "id" = $1 FOR UPDATE`,
);
const countEndpoints = `SELECT COUNT(*) AS "n" FROM "WebhookEndpoint" WHERE "orgId" = $1`;
const insertEndpoint = `INSERT INTO "WebhookEndpoint" ("orgId", "id", "url", "description", "areas", "personId",
  "enabled", "secret", "createdAt", "positionTxid", "positionId", "nextSeq")
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS BIGINT), CAST($11 AS BIGINT), 1)`;

/** Creates an endpoint that receives every change recorded from now on; its secret is returned once. */
export async function createEndpoint(
  orgId: string,
  input: EndpointInput & { url: string },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  await checkUrl(input.url);
  const areas = checkAreas(input.areas);
  const id = randomUUID();
  const secret = newWebhookSecret();
  await sql.transaction(async (tx) => {
    await tx.all(lockOrg, [orgId]);
    const [count] = await tx.all(countEndpoints, [orgId]);
    if (Number(count?.n) >= maxEndpointsPerOrg) {
      throw badInputAt(['input'], `an organization has at most ${maxEndpointsPerOrg} webhook endpoints`);
    }
    // Inside the transaction: on SQLite no change can commit between this position and the endpoint's row.
    const position = await currentPosition(tx);
    await tx.run(insertEndpoint, [
      orgId,
      id,
      input.url,
      input.description ?? null,
      areas,
      input.personId ?? null,
      true,
      secret,
      new Date(),
      position.txid,
      position.id,
    ]);
  });
  endpointsChanged(orgId);
  return { endpoint: await findEndpoint(orgId, id), secret };
}

/** Changes the fields given (null or absent: unchanged); a new URL is checked like a new endpoint's. */
export async function updateEndpoint(orgId: string, id: string, input: EndpointInput): Promise<WebhookEndpoint> {
  if (input.url != null) await checkUrl(input.url);
  const areas = input.areas === undefined ? undefined : checkAreas(input.areas);
  const sets: string[] = [];
  const params: (string | boolean | null)[] = [orgId, id];
  const set = (column: string, value: string | boolean | null) => {
    params.push(value);
    sets.push(`"${column}" = $${params.length}`);
  };
  if (input.url != null) set('url', input.url);
  if (input.description !== undefined) set('description', input.description);
  if (areas !== undefined) set('areas', areas);
  if (input.enabled != null) set('enabled', input.enabled);
  if (sets.length) {
    const count = await sql.run(
      `UPDATE "WebhookEndpoint" SET ${sets.join(', ')} WHERE "orgId" = $1 AND "id" = $2`,
      params,
    );
    if (count === 0) throw notFound('Webhook endpoint');
    endpointsChanged(orgId);
  }
  return findEndpoint(orgId, id);
}

export async function deleteEndpoint(orgId: string, id: string): Promise<boolean> {
  const count = await sql.transaction(async (tx) => {
    await tx.run(`DELETE FROM "WebhookDelivery" WHERE "orgId" = $1 AND "endpointId" = $2`, [orgId, id]);
    return tx.run(`DELETE FROM "WebhookEndpoint" WHERE "orgId" = $1 AND "id" = $2`, [orgId, id]);
  });
  if (count === 0) throw notFound('Webhook endpoint');
  endpointsChanged(orgId);
  return true;
}

/** A new secret; the one it replaces keeps signing (as a second signature) for 24 hours. */
export async function rotateSecret(orgId: string, id: string): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newWebhookSecret();
  const count = await sql.run(
    `UPDATE "WebhookEndpoint" SET "previousSecret" = "secret", "previousUntil" = $3, "secret" = $4
      WHERE "orgId" = $1 AND "id" = $2`,
    [orgId, id, new Date(Date.now() + rotationOverlapMs), secret],
  );
  if (count === 0) throw notFound('Webhook endpoint');
  endpointsChanged(orgId); // workers keep the endpoint (and its secrets) cached: they read it again
  return { endpoint: await findEndpoint(orgId, id), secret };
}

/**
 * Delivers again every change after `after`: the position moves back to that cursor, and a delivery still being
 * retried is given up (FAILED), since the replay sends its change again. The seq moves on by one, which fails the
 * compare-and-set of a delivering worker's batch not yet recorded (it may start from this very position).
 */
export async function replayEndpoint(orgId: string, id: string, after: string): Promise<WebhookEndpoint> {
  const cursor = decodeCursor(after, ['after']);
  requireRetained(cursor, ['after']);
  await sql.transaction(async (tx) => {
    const count = await tx.run(
      `UPDATE "WebhookEndpoint" SET "positionTxid" = CAST($3 AS BIGINT), "positionId" = CAST($4 AS BIGINT),
        "failingSince" = NULL, "nextSeq" = "nextSeq" + 1 WHERE "orgId" = $1 AND "id" = $2`,
      [orgId, id, cursor.position.txid, cursor.position.id],
    );
    if (count === 0) throw notFound('Webhook endpoint');
    await tx.run(
      `UPDATE "WebhookDelivery" SET "status" = 'FAILED', "nextAttemptAt" = NULL,
        "lastError" = COALESCE("lastError" || '; ', '') || 'given up: the endpoint was replayed'
        WHERE "orgId" = $1 AND "endpointId" = $2 AND "status" = 'PENDING'`,
      [orgId, id],
    );
  });
  endpointsChanged(orgId);
  return findEndpoint(orgId, id);
}
