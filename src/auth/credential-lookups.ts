import { BoundedCache } from '../bounded-cache.ts';
import { sql } from '../db/client.ts';
import { inList, perDialect, toBoolean, toDate } from '../db/sql/sql-client.ts';
import { orgKey, orgKeyLists, sharedBatch } from '../loaders/shared-batch.ts';

/**
 * The database reads behind authentication, shared by concurrent requests (loaders/shared-batch.ts). Keys and
 * persons are not cached, so a revoked key or a deleted person is refused from the next request on, on every
 * instance. Only organizations' token secrets are (they never change): a token's signature is checked before any
 * per-person read.
 */

export interface ApiKeyRow {
  id: string;
  orgId: string;
  revoked: boolean;
}

const apiKeysByHash = perDialect(
  (d) => `SELECT "keyHash", "id", "orgId", "revokedAt" FROM "ApiKey" WHERE "keyHash" ${inList(d, 1)}`,
);

/** The API key with this SHA-256, or null when there is none. */
export const findApiKey = sharedBatch<ApiKeyRow | null>(
  async (hashes) => {
    const rows = await sql.all<{ keyHash: string; id: string; orgId: string; revokedAt: unknown }>(apiKeysByHash, [
      [...hashes],
    ]);
    return new Map(rows.map((row) => [row.keyHash, { id: row.id, orgId: row.orgId, revoked: row.revokedAt != null }]));
  },
  () => null,
);

const orgSecrets = perDialect((d) => `SELECT "id", "tokenSecret" FROM "Organization" WHERE "id" ${inList(d, 1)}`);

/** An organization's own token secret, or null when there is no such organization. */
export const findOrgSecret = sharedBatch<string | null>(
  async (orgIds) => {
    const rows = await sql.all<{ id: string; tokenSecret: string }>(orgSecrets, [[...orgIds]]);
    return new Map(rows.map((row) => [row.id, row.tokenSecret]));
  },
  () => null,
);

/** Token secrets kept at most (least recently used ones go first), and for how long each. */
const maxCachedSecrets = 10_000;
const secretTtlMs = 10 * 60_000;
// Keys are ids of existing organizations (an unknown id is never cached), so the entry count is the bound.
const cachedSecrets = new BoundedCache<{ secret: string; at: number }>(maxCachedSecrets, maxCachedSecrets * 255);

/**
 * An organization's own token secret, from a bounded cache (read at most once per 10 minutes per organization);
 * null when there is no such organization (not cached: an unknown id costs a read, never a cache entry).
 */
export async function cachedOrgSecret(orgId: string, now = Date.now()): Promise<string | null> {
  const cached = cachedSecrets.get(orgId);
  if (cached && now - cached.at < secretTtlMs) return cached.secret;
  const secret = await findOrgSecret(orgId);
  if (secret === null) cachedSecrets.delete(orgId);
  else cachedSecrets.set(orgId, { secret, at: now });
  return secret;
}

export interface TokenPersonRow {
  active: boolean;
  createdAt: Date;
  /** The organization's own token secret. */
  tokenSecret: string;
}

const personsWithSecret = perDialect(
  (d) => `SELECT p."orgId", p."id", p."active", p."createdAt", o."tokenSecret"
    FROM "Person" p JOIN "Organization" o ON o."id" = p."orgId"
    WHERE p."orgId" ${inList(d, 1)} AND p."id" ${inList(d, 2)}`,
);

const tokenPersons = sharedBatch<TokenPersonRow | null>(
  async (keys) => {
    const rows = await sql.all<{ orgId: string; id: string; active: unknown; createdAt: unknown; tokenSecret: string }>(
      personsWithSecret,
      orgKeyLists(keys),
    );
    return new Map(
      rows.map((row) => [
        orgKey(row.orgId, row.id),
        { active: toBoolean(row.active), createdAt: toDate(row.createdAt), tokenSecret: row.tokenSecret },
      ]),
    );
  },
  () => null,
);

/** A person with its organization's token secret, or null when there is none. */
export function findTokenPerson(orgId: string, personId: string): Promise<TokenPersonRow | null> {
  return tokenPersons(orgKey(orgId, personId));
}
