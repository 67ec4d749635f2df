import { sql } from '../db/client.ts';
import { badInputAt } from '../errors.ts';
import { deliveryColumns, deliveryFromRow, type WebhookDelivery, type WebhookDeliveryStatus } from './endpoint-rows.ts';
import { findEndpoint } from './endpoints.ts';

export interface DeliveryPage {
  deliveries: WebhookDelivery[];
  cursors: string[];
  hasNextPage: boolean;
}

const encode = (seq: number) => Buffer.from(`d1:${seq}`).toString('base64url');

function decode(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^d1:(\d{1,15})$/.exec(text);
  if (!match) throw badInputAt(['after'], 'is not a webhook delivery cursor of this API');
  return Number(match[1]);
}

/** An endpoint's deliveries, newest first (NOT_FOUND for an unknown endpoint or another organization's). */
export async function deliveriesPage(
  orgId: string,
  endpointId: string,
  args: { first: number; after?: string | null; status?: WebhookDeliveryStatus | null },
): Promise<DeliveryPage> {
  const before = args.after ? decode(args.after) : null;
  await findEndpoint(orgId, endpointId);
  const rows = await sql.all(
    `SELECT ${deliveryColumns} FROM "WebhookDelivery"
      WHERE "orgId" = $1 AND "endpointId" = $2 AND (CAST($3 AS INTEGER) IS NULL OR "seq" < $3)
        AND (CAST($4 AS TEXT) IS NULL OR "status" = $4)
      ORDER BY "seq" DESC LIMIT $5`,
    [orgId, endpointId, before, args.status ?? null, args.first + 1],
  );
  const deliveries = rows.slice(0, args.first).map(deliveryFromRow);
  return { deliveries, cursors: deliveries.map((d) => encode(d.seq)), hasNextPage: rows.length > args.first };
}
