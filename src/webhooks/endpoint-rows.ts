import { createHash } from 'node:crypto';
import { type Row, toBoolean, toDate } from '../db/sql/sql-client.ts';
import type { ChangeArea, ChangePosition } from '../domain/history/change.ts';

/** A webhook endpoint as stored (CONTRACT §13), with its delivery position and secrets. */
export interface WebhookEndpoint {
  orgId: string;
  id: string;
  url: string;
  description: string | null;
  areas: ChangeArea[] | null;
  personId: string | null;
  enabled: boolean;
  createdAt: Date;
  lastDeliveredAt: Date | null;
  failingSince: Date | null;
  position: ChangePosition;
  /** The seq the next delivery row gets. */
  nextSeq: number;
  secret: string;
  previousSecret: string | null;
  previousUntil: Date | null;
}

export const endpointColumns = `"orgId", "id", "url", "description", "areas", "personId", "enabled", "createdAt",
  "lastDeliveredAt", "failingSince", "positionTxid", "positionId", "nextSeq", "secret", "previousSecret", "previousUntil"`;

const dateOrNull = (value: unknown) => (value == null ? null : toDate(value));

export function endpointFromRow(row: Row): WebhookEndpoint {
  return {
    orgId: row.orgId as string,
    id: row.id as string,
    url: row.url as string,
    description: (row.description as string | null) ?? null,
    areas: row.areas == null ? null : (JSON.parse(row.areas as string) as ChangeArea[]),
    personId: (row.personId as string | null) ?? null,
    enabled: toBoolean(row.enabled),
    createdAt: toDate(row.createdAt),
    lastDeliveredAt: dateOrNull(row.lastDeliveredAt),
    failingSince: dateOrNull(row.failingSince),
    position: { txid: String(row.positionTxid), id: String(row.positionId) },
    nextSeq: Number(row.nextSeq),
    secret: row.secret as string,
    previousSecret: (row.previousSecret as string | null) ?? null,
    previousUntil: dateOrNull(row.previousUntil),
  };
}

/**
 * The webhook-id of an endpoint's delivery `seq`: derived, not drawn, so that a change delivered but not yet recorded
 * when an instance crashed goes out again with the same id (the next holder gives it the same seq).
 */
export function webhookIdFor(orgId: string, endpointId: string, seq: number): string {
  return `msg_${createHash('sha256').update(`${orgId}\n${endpointId}\n${seq}`).digest('hex').slice(0, 32)}`;
}

/** The secrets that sign now: the current one, and the previous one during the 24 h after a rotation. */
export function signingSecrets(endpoint: WebhookEndpoint, now = Date.now()): string[] {
  const { previousSecret, previousUntil } = endpoint;
  return previousSecret && previousUntil && previousUntil.getTime() > now
    ? [endpoint.secret, previousSecret]
    : [endpoint.secret];
}

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One change to one endpoint and its attempts (the deliveries view). */
export interface WebhookDelivery {
  seq: number;
  webhookId: string;
  changeCursor: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

export const deliveryColumns = `"seq", "webhookId", "changeCursor", "status", "attempts", "lastStatusCode",
  "lastError", "nextAttemptAt", "deliveredAt"`;

export function deliveryFromRow(row: Row): WebhookDelivery {
  return {
    seq: Number(row.seq),
    webhookId: row.webhookId as string,
    changeCursor: row.changeCursor as string,
    status: row.status as WebhookDeliveryStatus,
    attempts: Number(row.attempts),
    lastStatusCode: row.lastStatusCode == null ? null : Number(row.lastStatusCode),
    lastError: (row.lastError as string | null) ?? null,
    nextAttemptAt: dateOrNull(row.nextAttemptAt),
    deliveredAt: dateOrNull(row.deliveredAt),
  };
}
