import DataLoader from 'dataloader';
import { sql } from '../db/client.ts';
import { inList, perDialect, toBoolean, toDate } from '../db/sql/sql-client.ts';

/**
 * The database reads behind authentication, batched across concurrent requests: every request of one tick that
 * needs an API key (or a person token's person) shares one `IN (…)` statement. Nothing is cached, so a revoked
 * key or a deleted person is refused from the next request on, on every instance.
 */

export interface ApiKeyRow {
  orgId: string;
  revoked: boolean;
}

const apiKeysByHash = perDialect(
  (d) => `SELECT "keyHash", "orgId", "revokedAt" FROM "ApiKey" WHERE "keyHash" ${inList(d, 1)}`,
);

const apiKeys = new DataLoader<string, ApiKeyRow | null>(
  async (hashes) => {
    const rows = await sql.all<{ keyHash: string; orgId: string; revokedAt: unknown }>(apiKeysByHash, [[...hashes]]);
    const byHash = new Map(rows.map((row) => [row.keyHash, { orgId: row.orgId, revoked: row.revokedAt != null }]));
    return hashes.map((hash) => byHash.get(hash) ?? null);
  },
  { cache: false, maxBatchSize: 200 },
);

/** The API key with this SHA-256, or null when there is none. */
export function findApiKey(keyHash: string): Promise<ApiKeyRow | null> {
  return apiKeys.load(keyHash);
}

export interface TokenPersonRow {
  active: boolean;
  createdAt: Date;
  /** The organization's own token secret. */
  tokenSecret: string;
}

// Keys are "orgId personId" as one JSON array text, so any characters in either survive.
const personsWithSecret = perDialect(
  (d) => `SELECT p."orgId", p."id", p."active", p."createdAt", o."tokenSecret"
    FROM "Person" p JOIN "Organization" o ON o."id" = p."orgId"
    WHERE p."id" ${inList(d, 1)} AND p."orgId" ${inList(d, 2)}`,
);

const tokenPersons = new DataLoader<string, TokenPersonRow | null>(
  async (keys) => {
    const pairs = keys.map((key) => JSON.parse(key) as [string, string]);
    const rows = await sql.all<{ orgId: string; id: string; active: unknown; createdAt: unknown; tokenSecret: string }>(
      personsWithSecret,
      [pairs.map(([, id]) => id), [...new Set(pairs.map(([orgId]) => orgId))]],
    );
    const byKey = new Map(
      rows.map((row) => [
        JSON.stringify([row.orgId, row.id]),
        { active: toBoolean(row.active), createdAt: toDate(row.createdAt), tokenSecret: row.tokenSecret },
      ]),
    );
    return keys.map((key) => byKey.get(key) ?? null);
  },
  { cache: false, maxBatchSize: 200 },
);

/** A person with its organization's token secret, or null when there is none. */
export function findTokenPerson(orgId: string, personId: string): Promise<TokenPersonRow | null> {
  return tokenPersons.load(JSON.stringify([orgId, personId]));
}
