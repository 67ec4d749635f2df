import { randomUUID } from 'node:crypto';
import { generateApiKey, hashSecret, randomSecret } from '../auth/secrets.ts';
import { db } from '../db/client.ts';
import { transaction } from '../db/transaction.ts';
import { AppError, notFound } from '../errors.ts';

/** The buckets every organization has (SlashID). */
export const builtInBuckets = [
  { name: 'end_user_no_access', endUserPermissions: 'NO_ACCESS' },
  { name: 'end_user_read_only', endUserPermissions: 'READ_ONLY' },
  { name: 'end_user_read_write', endUserPermissions: 'READ_WRITE' },
] as const;

export interface IssuedKey {
  orgId: string;
  /** The key's id: what the change history shows as the author of this key's writes. */
  keyId: string;
  apiKey: string;
}

/** Creates an organization with its built-in buckets and a first API key. */
export async function createOrganization(name: string): Promise<IssuedKey> {
  if (!name.trim() || name.length > 200) throw new AppError('BAD_USER_INPUT', 'The name must be 1–200 characters.');
  const orgId = randomUUID();
  const apiKey = generateApiKey();
  const keyId = randomUUID();
  await transaction(async (tx) => {
    await tx.organization.create({ data: { id: orgId, name, tokenSecret: randomSecret() } });
    await tx.attributeBucket.createMany({
      data: builtInBuckets.map((bucket) => ({ orgId, ...bucket, builtIn: true })),
    });
    await tx.apiKey.create({ data: { id: keyId, orgId, keyHash: hashSecret(apiKey) } });
  });
  return { orgId, keyId, apiKey };
}

export async function createApiKey(orgId: string): Promise<IssuedKey> {
  const org = await db.organization.findUnique({ where: { id: orgId }, select: { id: true } });
  if (!org) throw notFound('Organization');
  const apiKey = generateApiKey();
  const keyId = randomUUID();
  await db.apiKey.create({ data: { id: keyId, orgId, keyHash: hashSecret(apiKey) } });
  return { orgId, keyId, apiKey };
}

/** Revokes a key at once: the next request that uses it is refused. */
export async function revokeApiKey(apiKey: string): Promise<void> {
  const { count } = await db.apiKey.updateMany({
    where: { keyHash: hashSecret(apiKey), revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw notFound('Active API key');
}
