// The baseline's PostgreSQL store: a pg pool (10 connections, like attrql's default), named prepared statements
// (prepared once per connection), writes in one transaction whose first statement locks the person's row.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  BaselineError,
  type GroupValueRow,
  type MetadataRow,
  type PersonData,
  type Store,
  type UserAttributeRow,
} from './store.ts';
import { contentETag, contentKeys, emptyContent, type MetadataContent, mergeContent } from './uuid-metadata.ts';

// attrql's columns are TIMESTAMP(3) without a zone, holding UTC (as Prisma writes them).
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (value) => `${value.replace(' ', 'T')}Z`);

const newETag = () => randomBytes(12).toString('base64url');
const now = () => new Date().toISOString();

const sql = {
  apiKey: 'SELECT "orgId", "revokedAt" FROM "ApiKey" WHERE "keyHash" = $1',
  tokenPerson:
    'SELECT p."active", p."createdAt", o."tokenSecret" FROM "Person" p JOIN "Organization" o ON o."id" = p."orgId" WHERE p."orgId" = $1 AND p."id" = $2',
  bucket: 'SELECT "endUserPermissions" FROM "AttributeBucket" WHERE "orgId" = $1 AND "name" = $2',
  buckets: 'SELECT "name" FROM "AttributeBucket" WHERE "orgId" = $1 ORDER BY "name"',
  touch:
    'UPDATE "Person" SET "eTag" = $1, "updatedAt" = $2 WHERE "orgId" = $3 AND "id" = $4 AND ($5::text IS NULL OR "eTag" = $5) RETURNING "id", "eTag"',
  exists: 'SELECT 1 FROM "Person" WHERE "orgId" = $1 AND "id" = $2',
  upsert:
    'INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value") SELECT $1, $2, $3, n, v FROM unnest($4::text[], $5::text[]) AS u(n, v) ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value"',
  bucketRows:
    'SELECT "name", "value" FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2 AND "bucket" = $3 ORDER BY "name" COLLATE "C"',
  person: 'SELECT "id", "eTag" FROM "Person" WHERE "orgId" = $1 AND "id" = $2',
  attributes: 'SELECT "bucket", "name", "value" FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = $2',
  userAttributes:
    'SELECT "id", "name", "defaultValue", "valueIsHidden" FROM "UserAttribute" WHERE "orgId" = $1 ORDER BY "name" COLLATE "C"',
  groups:
    'SELECT "groupName" FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" = $2 ORDER BY "groupName" COLLATE "C"',
  ownValues: 'SELECT "userAttributeId", "value" FROM "UserAttributeValue" WHERE "orgId" = $1 AND "personId" = $2',
  groupValuesOfPerson:
    'SELECT v."userAttributeId", v."groupName", v."value", v."rank" FROM "UserAttributeGroupValue" v JOIN "PersonGroup" g ON g."orgId" = v."orgId" AND g."groupName" = v."groupName" WHERE g."orgId" = $1 AND g."personId" = $2',
  groupValues:
    'SELECT "userAttributeId", "groupName", "value", "rank" FROM "UserAttributeGroupValue" WHERE "orgId" = $1 AND "groupName" = ANY($2::text[])',
  page: 'SELECT "id", "eTag" FROM "Person" WHERE "orgId" = $1 ORDER BY "createdAt", "id" LIMIT $2',
  pageGroups: 'SELECT "personId", "groupName" FROM "PersonGroup" WHERE "orgId" = $1 AND "personId" = ANY($2::text[])',
  pageRoles:
    'SELECT pr."personId", r."name" FROM "PersonRole" pr JOIN "Role" r ON r."orgId" = pr."orgId" AND r."id" = pr."roleId" WHERE pr."orgId" = $1 AND pr."personId" = ANY($2::text[]) ORDER BY r."name" COLLATE "C"',
  pageAttributes:
    'SELECT "personId", "bucket", "name", "value" FROM "PersonAttribute" WHERE "orgId" = $1 AND "personId" = ANY($2::text[])',
  pageOwnValues:
    'SELECT "personId", "userAttributeId", "value" FROM "UserAttributeValue" WHERE "orgId" = $1 AND "personId" = ANY($2::text[])',
  metadata:
    'SELECT "personId" AS "id", "name", "externalId", "profileUrl", "email", "type", "status", "custom", "eTag", "updated" FROM "UuidMetadata" WHERE "orgId" = $1 AND "personId" = $2',
  metadataUpdate:
    'UPDATE "UuidMetadata" SET "name" = $1, "externalId" = $2, "profileUrl" = $3, "email" = $4, "type" = $5, "status" = $6, "custom" = $7, "eTag" = $8, "updated" = $9 WHERE "orgId" = $10 AND "personId" = $11 AND "eTag" = $12',
  metadataInsert:
    'INSERT INTO "UuidMetadata" ("name", "externalId", "profileUrl", "email", "type", "status", "custom", "eTag", "updated", "orgId", "personId") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
  personInsert:
    'INSERT INTO "Person" ("orgId", "id", "active", "personType", "region", "eTag", "createdAt", "updatedAt") VALUES ($1, $2, true, \'REGULAR\', \'US_IOWA\', $3, $4, $4)',
} as const;

type Name = keyof typeof sql;
type Queryable = pg.Pool | pg.PoolClient;

// biome-ignore lint/suspicious/noExplicitAny: rows are typed where they are used
async function run<R = any>(on: Queryable, name: Name, values: unknown[]): Promise<R[]> {
  const result = await on.query({ name, text: sql[name], values });
  return result.rows as R[];
}

const rowsOfContent = (content: MetadataContent) =>
  contentKeys.map((key) =>
    key === 'custom' ? (content.custom ? JSON.stringify(content.custom) : null) : content[key],
  );

/** A write that changes no content: rolled back, answered with the stored row. */
class Unchanged extends Error {
  constructor(readonly row: MetadataRow) {
    super('unchanged');
  }
}

export function postgresStore(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: 'attrql-bench-baseline' });
  // An idle connection the server ends (a restart, the database dropped while the pool closes) is not the
  // baseline's failure; unhandled, the pool's 'error' event would end the process. Like attrql's pool, say so.
  pool.on('error', (error) => process.stderr.write(`baseline: idle database connection lost: ${error.message}\n`));

  const inTransaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  };

  const touch = async (client: pg.PoolClient, orgId: string, personId: string, ifMatch: string | null) => {
    const [row] = await run<{ id: string; eTag: string }>(client, 'touch', [
      newETag(),
      now(),
      orgId,
      personId,
      ifMatch,
    ]);
    if (row) return row;
    if (ifMatch !== null && (await run(client, 'exists', [orgId, personId])).length > 0) {
      throw new BaselineError('PRECONDITION_FAILED');
    }
    throw new BaselineError('NOT_FOUND', 'Person not found.');
  };

  const userAttributes = async (orgId: string) => run<UserAttributeRow>(pool, 'userAttributes', [orgId]);
  const bucketNames = async (orgId: string) =>
    (await run<{ name: string }>(pool, 'buckets', [orgId])).map((row) => row.name);

  return {
    apiKeyOrg: async (keyHash) => {
      const [row] = await run<{ orgId: string; revokedAt: string | null }>(pool, 'apiKey', [keyHash]);
      return row && row.revokedAt === null ? row.orgId : null;
    },
    tokenPerson: async (orgId, personId) => {
      const [row] = await run<{ active: boolean; createdAt: string; tokenSecret: string }>(pool, 'tokenPerson', [
        orgId,
        personId,
      ]);
      return row ? { active: row.active, createdAtMs: Date.parse(row.createdAt), tokenSecret: row.tokenSecret } : null;
    },
    merge: async (orgId, personId, bucket, attributes, ifMatch, endUser) => {
      const [found] = await run<{ endUserPermissions: string }>(pool, 'bucket', [orgId, bucket]);
      if (!found) throw new BaselineError('NOT_FOUND', `Attribute bucket "${bucket}" not found.`);
      if (endUser && found.endUserPermissions !== 'READ_WRITE') throw new BaselineError('FORBIDDEN');
      return inTransaction(async (client) => {
        const person = await touch(client, orgId, personId, ifMatch);
        await run(client, 'upsert', [
          orgId,
          personId,
          bucket,
          attributes.map(([name]) => name),
          attributes.map(([, value]) => value),
        ]);
        const rows = await run<{ name: string; value: string }>(client, 'bucketRows', [orgId, personId, bucket]);
        return { person, attributes: rows.map((row) => [row.name, row.value] as [string, string]) };
      });
    },
    person: async (orgId, personId, withValues) => {
      // Independent reads in parallel, on as many pooled connections.
      const [[person], attributes, buckets, values] = await Promise.all([
        run<{ id: string; eTag: string }>(pool, 'person', [orgId, personId]),
        run<{ bucket: string; name: string; value: string }>(pool, 'attributes', [orgId, personId]),
        bucketNames(orgId),
        withValues
          ? Promise.all([
              run<{ groupName: string }>(pool, 'groups', [orgId, personId]),
              run<{ userAttributeId: string; value: string }>(pool, 'ownValues', [orgId, personId]),
              run<GroupValueRow>(pool, 'groupValuesOfPerson', [orgId, personId]),
              userAttributes(orgId),
            ])
          : null,
      ]);
      if (!person) return null;
      const data: PersonData = {
        ...person,
        buckets,
        attributes: attributes.map((row) => [row.bucket, row.name, row.value]),
      };
      if (values) {
        const [groups, own, groupValues, attributesOfOrg] = values;
        data.groups = groups.map((row) => row.groupName);
        data.ownValues = new Map(own.map((row) => [row.userAttributeId, row.value]));
        data.groupValues = groupValues;
        data.userAttributes = attributesOfOrg;
      }
      return data;
    },
    persons: async (orgId, first) => {
      const page = await run<{ id: string; eTag: string }>(pool, 'page', [orgId, first]);
      const ids = page.map((row) => row.id);
      const byPerson = new Map<string, PersonData>(
        page.map((row) => [
          row.id,
          { ...row, buckets: [], attributes: [], groups: [], roles: [], ownValues: new Map() },
        ]),
      );
      const [groups, roles, attributes, own, buckets, attributesOfOrg] = await Promise.all([
        run<{ personId: string; groupName: string }>(pool, 'pageGroups', [orgId, ids]),
        run<{ personId: string; name: string }>(pool, 'pageRoles', [orgId, ids]),
        run<{ personId: string; bucket: string; name: string; value: string }>(pool, 'pageAttributes', [orgId, ids]),
        run<{ personId: string; userAttributeId: string; value: string }>(pool, 'pageOwnValues', [orgId, ids]),
        bucketNames(orgId),
        userAttributes(orgId),
      ]);
      for (const row of groups) byPerson.get(row.personId)?.groups?.push(row.groupName);
      for (const row of roles) byPerson.get(row.personId)?.roles?.push(`${orgId}/${row.name}`);
      for (const row of attributes) byPerson.get(row.personId)?.attributes.push([row.bucket, row.name, row.value]);
      for (const row of own) byPerson.get(row.personId)?.ownValues?.set(row.userAttributeId, row.value);
      const allGroups = [...new Set(groups.map((row) => row.groupName))];
      const groupValues = await run<GroupValueRow>(pool, 'groupValues', [orgId, allGroups]);
      // Sorted here: ORDER BY "groupName" would make SQLite walk the (orgId, groupName) index of every person.
      return [...byPerson.values()].map((person) => ({
        ...person,
        groups: (person.groups ?? []).sort(),
        buckets,
        userAttributes: attributesOfOrg,
        groupValues,
      }));
    },
    setMetadata: async (orgId, uuid, changes, ifMatch) => {
      try {
        return await inTransaction(async (client): Promise<MetadataRow> => {
          let found = true;
          try {
            await touch(client, orgId, uuid, null);
          } catch (error) {
            if (!(error instanceof BaselineError && error.code === 'NOT_FOUND')) throw error;
            found = false;
          }
          const at = now();
          const insert = async () => {
            const content = mergeContent(emptyContent, changes);
            await run(client, 'metadataInsert', [...rowsOfContent(content), contentETag(content), at, orgId, uuid]);
            const [row] = await run<MetadataRow>(client, 'metadata', [orgId, uuid]);
            return row as MetadataRow;
          };
          if (!found) {
            if (ifMatch !== null) throw new BaselineError('PRECONDITION_FAILED');
            await run(client, 'personInsert', [orgId, uuid, newETag(), at]);
            return insert();
          }
          const [stored] = await run<MetadataRow>(client, 'metadata', [orgId, uuid]);
          if (ifMatch !== null && stored?.eTag !== ifMatch) throw new BaselineError('PRECONDITION_FAILED');
          if (!stored) return insert();
          const content = mergeContent(
            { ...stored, custom: stored.custom === null ? null : JSON.parse(stored.custom) },
            changes,
          );
          const eTag = contentETag(content);
          if (eTag === stored.eTag) throw new Unchanged(stored);
          const values = rowsOfContent(content);
          const result = await client.query({
            name: 'metadataUpdate',
            text: sql.metadataUpdate,
            values: [...values, eTag, at, orgId, uuid, stored.eTag],
          });
          if (result.rowCount !== 1) throw new BaselineError('PRECONDITION_FAILED');
          return {
            ...stored,
            ...Object.fromEntries(contentKeys.map((key, i) => [key, values[i]])),
            eTag,
            updated: at,
          };
        });
      } catch (error) {
        if (error instanceof Unchanged) return error.row;
        throw error;
      }
    },
    close: async () => {
      await pool.end();
    },
  };
}
