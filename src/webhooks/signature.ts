import { createHmac, randomBytes } from 'node:crypto';
import { BoundedCache } from '../bounded-cache.ts';

/** A new endpoint secret: "whsec_" + base64 of 24 random bytes (the Standard Webhooks form). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** Secrets' decoded bytes (an endpoint signs every delivery with the same one or two). */
const maxKeys = 1000;
const keys = new BoundedCache<Buffer>(maxKeys, maxKeys * 256);

function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    keys.set(secret, key);
  }
  return key;
}

/** One Standard Webhooks signature: "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under the secret's bytes. */
function signOnce(secret: string, signed: string): string {
  const key = keyOf(secret);
  return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
}

/** The webhook-signature header: one signature per secret, space-separated (two during a rotation). */
export function signatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  const signed = `${id}.${timestamp}.${body}`;
  return secrets.map((secret) => signOnce(secret, signed)).join(' ');
}
