import type { AttributeBucket, Person, UserAttribute, UuidMetadata } from './client.ts';
import type { Row } from './sql/sql-client.ts';
import { toBoolean, toDate } from './sql/sql-client.ts';

/**
 * Rows read on the fast path (sql/), shaped exactly like Prisma's models, so the rest of attrql cannot tell which
 * path read them: SQLite's 0/1 become booleans and its timestamp text becomes Dates.
 */

export const personColumns = `"orgId", "id", "active", "personType", "region", "eTag", "createdAt", "updatedAt"`;

export function personFromRow(row: Row): Person {
  return {
    orgId: row.orgId as string,
    id: row.id as string,
    active: toBoolean(row.active),
    personType: row.personType as string,
    region: row.region as string,
    eTag: row.eTag as string,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
}

// Columns are always named: a named PostgreSQL prepared statement with `*` breaks once a migration adds a column.
export const bucketColumns = `"orgId", "name", "endUserPermissions", "builtIn", "createdAt"`;

export function bucketFromRow(row: Row): AttributeBucket {
  return {
    orgId: row.orgId as string,
    name: row.name as string,
    endUserPermissions: row.endUserPermissions as string,
    builtIn: toBoolean(row.builtIn),
    createdAt: toDate(row.createdAt),
  };
}

export const userAttributeColumns = `"orgId", "id", "name", "label", "type", "defaultValue", "valueIsHidden",
  "userCanView", "userCanEdit", "hiddenValueDomainWhitelist", "createdAt"`;

export function userAttributeFromRow(row: Row): UserAttribute {
  return {
    orgId: row.orgId as string,
    id: row.id as string,
    name: row.name as string,
    label: row.label as string,
    type: row.type as string,
    defaultValue: (row.defaultValue as string | null) ?? null,
    valueIsHidden: toBoolean(row.valueIsHidden),
    userCanView: toBoolean(row.userCanView),
    userCanEdit: toBoolean(row.userCanEdit),
    hiddenValueDomainWhitelist: (row.hiddenValueDomainWhitelist as string | null) ?? null,
    createdAt: toDate(row.createdAt),
  };
}

export const uuidMetadataColumns = `"orgId", "personId", "name", "externalId", "profileUrl", "email", "type",
  "status", "custom", "eTag", "updated"`;

export function uuidMetadataFromRow(row: Row): UuidMetadata {
  return {
    orgId: row.orgId as string,
    personId: row.personId as string,
    name: (row.name as string | null) ?? null,
    externalId: (row.externalId as string | null) ?? null,
    profileUrl: (row.profileUrl as string | null) ?? null,
    email: (row.email as string | null) ?? null,
    type: (row.type as string | null) ?? null,
    status: (row.status as string | null) ?? null,
    custom: (row.custom as string | null) ?? null,
    eTag: row.eTag as string,
    updated: toDate(row.updated),
  };
}
