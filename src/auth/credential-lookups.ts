import { sql } from '../db/client.ts';
import { inList, perDialect, toBoolean, toDate } from '../db/sql/sql-client.ts';
import { orgKey, orgKeyLists, sharedBatch } from '../loaders/shared-batch.ts';

/**
 * The database reads behind authentication, shared by concurrent requests (loaders/shared-batch.ts). Nothing is
 * cached, so a revoked key or a deleted person is refused from the next request on, on every instance.
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
