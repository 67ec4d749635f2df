import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new org API key: a prefix that tells what it is, then 256 random bits. */
export function generateApiKey(): string {
  return `aq_${randomBytes(32).toString('base64url')}`;
}

/** API keys are stored as their SHA-256; a key has 256 bits of entropy, so a fast hash is enough. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The secret that signs an organization's tokens: ATTRQL_TOKEN_SECRET when set, else the org's own one. */
export function tokenSecret(orgSecret: string): string {
  return process.env.ATTRQL_TOKEN_SECRET || orgSecret;
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
