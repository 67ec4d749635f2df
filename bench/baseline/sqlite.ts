// The baseline's SQLite store: better-sqlite3, every statement prepared once, writes in one BEGIN IMMEDIATE
// transaction (WAL, synchronous=NORMAL, 5 s busy timeout: what attrql runs with).
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  BaselineError,
  type GroupValueRow,
  type MetadataRow,
  type PersonData,
  type Store,
  type UserAttributeRow,
} from './store.ts';
import { contentETag, contentKeys, emptyContent, type MetadataContent, mergeContent } from './uuid-metadata.ts';

const now = () => new Date().toISOString().replace(/Z$/, '+00:00');
const newETag = () => randomBytes(12).toString('base64url');

export function sqliteStore(path: string): Store {
  const db = new Database(path, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const q = (sql: string) => db.prepare(sql);
  const s = {
    apiKey: q('SELECT "orgId", "revokedAt" FROM "ApiKey" WHERE "keyHash" = ?'),
    tokenPerson: q(
      'SELECT p."active", p."createdAt", o."tokenSecret" FROM "Person" p JOIN "Organization" o ON o."id" = p."orgId" WHERE p."orgId" = ? AND p."id" = ?',
    ),
    bucket: q('SELECT "endUserPermissions" FROM "AttributeBucket" WHERE "orgId" = ? AND "name" = ?'),
    buckets: q('SELECT "name" FROM "AttributeBucket" WHERE "orgId" = ? ORDER BY "name"'),
    touch: q('UPDATE "Person" SET "eTag" = ?, "updatedAt" = ? WHERE "orgId" = ? AND "id" = ? RETURNING "id", "eTag"'),
    touchIf: q(
      'UPDATE "Person" SET "eTag" = ?, "updatedAt" = ? WHERE "orgId" = ? AND "id" = ? AND "eTag" = ? RETURNING "id", "eTag"',
    ),
    exists: q('SELECT 1 FROM "Person" WHERE "orgId" = ? AND "id" = ?'),
    upsert: q(
      'INSERT INTO "PersonAttribute" ("orgId", "personId", "bucket", "name", "value") VALUES (?, ?, ?, ?, ?) ON CONFLICT ("orgId", "personId", "bucket", "name") DO UPDATE SET "value" = excluded."value"',
    ),
    bucketRows: q(
      'SELECT "name", "value" FROM "PersonAttribute" WHERE "orgId" = ? AND "personId" = ? AND "bucket" = ? ORDER BY "name"',
    ),
    person: q('SELECT "id", "eTag" FROM "Person" WHERE "orgId" = ? AND "id" = ?'),
    attributes: q('SELECT "bucket", "name", "value" FROM "PersonAttribute" WHERE "orgId" = ? AND "personId" = ?'),
    userAttributes: q(
      'SELECT "id", "name", "defaultValue", "valueIsHidden" FROM "UserAttribute" WHERE "orgId" = ? ORDER BY "name"',
    ),
    groups: q('SELECT "groupName" FROM "PersonGroup" WHERE "orgId" = ? AND "personId" = ? ORDER BY "groupName"'),
    ownValues: q('SELECT "userAttributeId", "value" FROM "UserAttributeValue" WHERE "orgId" = ? AND "personId" = ?'),
    groupValues: q(
      'SELECT "userAttributeId", "groupName", "value", "rank" FROM "UserAttributeGroupValue" WHERE "orgId" = ? AND "groupName" IN (SELECT value FROM json_each(?))',
    ),
    page: q('SELECT "id", "eTag" FROM "Person" WHERE "orgId" = ? ORDER BY "createdAt", "id" LIMIT ?'),
    pageGroups: q(
      'SELECT "personId", "groupName" FROM "PersonGroup" WHERE "orgId" = ? AND "personId" IN (SELECT value FROM json_each(?))',
    ),
    pageRoles: q(
      'SELECT pr."personId", r."name" FROM "PersonRole" pr JOIN "Role" r ON r."orgId" = pr."orgId" AND r."id" = pr."roleId" WHERE pr."orgId" = ? AND pr."personId" IN (SELECT value FROM json_each(?)) ORDER BY r."name"',
    ),
    pageAttributes: q(
      'SELECT "personId", "bucket", "name", "value" FROM "PersonAttribute" WHERE "orgId" = ? AND "personId" IN (SELECT value FROM json_each(?))',
    ),
    pageOwnValues: q(
      'SELECT "personId", "userAttributeId", "value" FROM "UserAttributeValue" WHERE "orgId" = ? AND "personId" IN (SELECT value FROM json_each(?))',
    ),
    metadata: q(
      'SELECT "personId" AS "id", "name", "externalId", "profileUrl", "email", "type", "status", "custom", "eTag", "updated" FROM "UuidMetadata" WHERE "orgId" = ? AND "personId" = ?',
    ),
    metadataUpdate: q(
      'UPDATE "UuidMetadata" SET "name" = ?, "externalId" = ?, "profileUrl" = ?, "email" = ?, "type" = ?, "status" = ?, "custom" = ?, "eTag" = ?, "updated" = ? WHERE "orgId" = ? AND "personId" = ? AND "eTag" = ?',
    ),
    metadataInsert: q(
      'INSERT INTO "UuidMetadata" ("name", "externalId", "profileUrl", "email", "type", "status", "custom", "eTag", "updated", "orgId", "personId") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    personInsert: q(
      'INSERT INTO "Person" ("orgId", "id", "active", "personType", "region", "eTag", "createdAt", "updatedAt") VALUES (?, ?, 1, \'REGULAR\', \'US_IOWA\', ?, ?, ?)',
    ),
  };

  /** The first statement of every write: new eTag, ifMatch checked; NOT_FOUND / PRECONDITION_FAILED. */
  const touch = (orgId: string, personId: string, ifMatch: string | null) => {
    const at = now();
    const row = (
      ifMatch === null
        ? s.touch.get(newETag(), at, orgId, personId)
        : s.touchIf.get(newETag(), at, orgId, personId, ifMatch)
    ) as { id: string; eTag: string } | undefined;
    if (row) return row;
    if (ifMatch !== null && s.exists.get(orgId, personId)) throw new BaselineError('PRECONDITION_FAILED');
    throw new BaselineError('NOT_FOUND', 'Person not found.');
  };

  const merge = db.transaction(
    (orgId: string, personId: string, bucket: string, rows: [string, string][], ifMatch: string | null) => {
      const person = touch(orgId, personId, ifMatch);
      for (const [name, value] of rows) s.upsert.run(orgId, personId, bucket, name, value);
      const attributes = (s.bucketRows.all(orgId, personId, bucket) as { name: string; value: string }[]).map(
        (row) => [row.name, row.value] as [string, string],
      );
      return { person, attributes };
    },
  );

  const rowsOfContent = (content: MetadataContent) =>
    contentKeys.map((key) =>
      key === 'custom' ? (content.custom ? JSON.stringify(content.custom) : null) : content[key],
    );

  const setMetadata = db.transaction(
    (
      orgId: string,
      uuid: string,
      changes: Parameters<Store['setMetadata']>[2],
      ifMatch: string | null,
    ): MetadataRow => {
      let found = true;
      try {
        touch(orgId, uuid, null);
      } catch (error) {
        if (!(error instanceof BaselineError && error.code === 'NOT_FOUND')) throw error;
        found = false;
      }
      const at = now();
      const insert = () => {
        const content = mergeContent(emptyContent, changes);
        const eTag = contentETag(content);
        s.metadataInsert.run(...rowsOfContent(content), eTag, at, orgId, uuid);
        return s.metadata.get(orgId, uuid) as MetadataRow;
      };
      if (!found) {
        if (ifMatch !== null) throw new BaselineError('PRECONDITION_FAILED');
        s.personInsert.run(orgId, uuid, newETag(), at, at);
        return insert();
      }
      const stored = s.metadata.get(orgId, uuid) as MetadataRow | undefined;
      if (ifMatch !== null && stored?.eTag !== ifMatch) throw new BaselineError('PRECONDITION_FAILED');
      if (!stored) return insert();
      const content = mergeContent(
        { ...stored, custom: stored.custom === null ? null : JSON.parse(stored.custom) },
        changes,
      );
      const eTag = contentETag(content);
      if (eTag === stored.eTag) throw new Unchanged(stored);
      const { changes: count } = s.metadataUpdate.run(...rowsOfContent(content), eTag, at, orgId, uuid, stored.eTag);
      if (count !== 1) throw new BaselineError('PRECONDITION_FAILED');
      return {
        ...stored,
        ...Object.fromEntries(contentKeys.map((key, i) => [key, rowsOfContent(content)[i]])),
        eTag,
        updated: at,
      };
    },
  );

  const valuesData = (orgId: string, personId: string) => {
    const groups = (s.groups.all(orgId, personId) as { groupName: string }[]).map((row) => row.groupName);
    const ownValues = new Map(
      (s.ownValues.all(orgId, personId) as { userAttributeId: string; value: string }[]).map((row) => [
        row.userAttributeId,
        row.value,
      ]),
    );
    const groupValues = s.groupValues.all(orgId, JSON.stringify(groups)) as GroupValueRow[];
    return { groups, ownValues, groupValues, userAttributes: userAttributes(orgId) };
  };
  const userAttributes = (orgId: string) =>
    (s.userAttributes.all(orgId) as (Omit<UserAttributeRow, 'valueIsHidden'> & { valueIsHidden: number })[]).map(
      (row) => ({
        ...row,
        valueIsHidden: Boolean(row.valueIsHidden),
      }),
    );
  const bucketNames = (orgId: string) => (s.buckets.all(orgId) as { name: string }[]).map((row) => row.name);

  return {
    apiKeyOrg: async (keyHash) => {
      const row = s.apiKey.get(keyHash) as { orgId: string; revokedAt: string | null } | undefined;
      return row && row.revokedAt === null ? row.orgId : null;
    },
    tokenPerson: async (orgId, personId) => {
      const row = s.tokenPerson.get(orgId, personId) as
        | { active: number; createdAt: string; tokenSecret: string }
        | undefined;
      return row
        ? { active: Boolean(row.active), createdAtMs: Date.parse(row.createdAt), tokenSecret: row.tokenSecret }
        : null;
    },
    merge: async (orgId, personId, bucket, attributes, ifMatch, endUser) => {
      const found = s.bucket.get(orgId, bucket) as { endUserPermissions: string } | undefined;
      if (!found) throw new BaselineError('NOT_FOUND', `Attribute bucket "${bucket}" not found.`);
      if (endUser && found.endUserPermissions !== 'READ_WRITE') throw new BaselineError('FORBIDDEN');
      return merge.immediate(orgId, personId, bucket, attributes, ifMatch);
    },
    person: async (orgId, personId, withValues) => {
      const person = s.person.get(orgId, personId) as { id: string; eTag: string } | undefined;
      if (!person) return null;
      const attributes = (s.attributes.all(orgId, personId) as { bucket: string; name: string; value: string }[]).map(
        (row) => [row.bucket, row.name, row.value] as [string, string, string],
      );
      return {
        ...person,
        buckets: bucketNames(orgId),
        attributes,
        ...(withValues ? valuesData(orgId, personId) : {}),
      };
    },
    persons: async (orgId, first) => {
      const page = s.page.all(orgId, first) as { id: string; eTag: string }[];
      const ids = JSON.stringify(page.map((row) => row.id));
      const byPerson = new Map<string, PersonData>(
        page.map((row) => [
          row.id,
          { ...row, buckets: [], attributes: [], groups: [], roles: [], ownValues: new Map() },
        ]),
      );
      for (const row of s.pageGroups.all(orgId, ids) as { personId: string; groupName: string }[]) {
        byPerson.get(row.personId)?.groups?.push(row.groupName);
      }
      for (const row of s.pageRoles.all(orgId, ids) as { personId: string; name: string }[]) {
        byPerson.get(row.personId)?.roles?.push(`${orgId}/${row.name}`);
      }
      for (const row of s.pageAttributes.all(orgId, ids) as {
        personId: string;
        bucket: string;
        name: string;
        value: string;
      }[]) {
        byPerson.get(row.personId)?.attributes.push([row.bucket, row.name, row.value]);
      }
      for (const row of s.pageOwnValues.all(orgId, ids) as {
        personId: string;
        userAttributeId: string;
        value: string;
      }[]) {
        byPerson.get(row.personId)?.ownValues?.set(row.userAttributeId, row.value);
      }
      const allGroups = [...new Set([...byPerson.values()].flatMap((person) => person.groups ?? []))];
      const groupValues = s.groupValues.all(orgId, JSON.stringify(allGroups)) as GroupValueRow[];
      const buckets = bucketNames(orgId);
      const attributesOfOrg = userAttributes(orgId);
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
        return setMetadata.immediate(orgId, uuid, changes, ifMatch);
      } catch (error) {
        if (error instanceof Unchanged) return error.row;
        throw error;
      }
    },
    close: async () => {
      db.close();
    },
  };
}

/** A write that changes no content: rolled back, answered with the stored row. */
class Unchanged extends Error {
  constructor(readonly row: MetadataRow) {
    super('unchanged');
  }
}
