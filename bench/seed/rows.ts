// The rows of the benchmark data set, table by table, independent of the database they go to.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { contentETag, type MetadataContent } from '../baseline/uuid-metadata.ts';
import {
  benchBucket,
  groupCount,
  groupName,
  groupsOf,
  personId,
  roleNames,
  roleOf,
  seededAttributes,
  userAttributeSpecs,
} from '../fixture.ts';

export type ColumnType = 'text' | 'bool' | 'int' | 'ts';
export type Cell = string | number | boolean | null;

export interface Table {
  name: string;
  columns: readonly (readonly [string, ColumnType])[];
}

const t = (name: string, ...columns: [string, ColumnType][]): Table => ({ name, columns });

export const tables = {
  organization: t('Organization', ['id', 'text'], ['name', 'text'], ['tokenSecret', 'text'], ['createdAt', 'ts']),
  apiKey: t('ApiKey', ['id', 'text'], ['orgId', 'text'], ['keyHash', 'text'], ['createdAt', 'ts']),
  bucket: t(
    'AttributeBucket',
    ['orgId', 'text'],
    ['name', 'text'],
    ['endUserPermissions', 'text'],
    ['builtIn', 'bool'],
    ['createdAt', 'ts'],
  ),
  role: t('Role', ['orgId', 'text'], ['id', 'text'], ['name', 'text'], ['createdAt', 'ts']),
  userAttribute: t(
    'UserAttribute',
    ['orgId', 'text'],
    ['id', 'text'],
    ['name', 'text'],
    ['label', 'text'],
    ['type', 'text'],
    ['defaultValue', 'text'],
    ['valueIsHidden', 'bool'],
    ['userCanView', 'bool'],
    ['userCanEdit', 'bool'],
    ['createdAt', 'ts'],
  ),
  groupValue: t(
    'UserAttributeGroupValue',
    ['orgId', 'text'],
    ['id', 'text'],
    ['userAttributeId', 'text'],
    ['groupName', 'text'],
    ['value', 'text'],
    ['rank', 'int'],
  ),
  person: t(
    'Person',
    ['orgId', 'text'],
    ['id', 'text'],
    ['active', 'bool'],
    ['personType', 'text'],
    ['region', 'text'],
    ['eTag', 'text'],
    ['createdAt', 'ts'],
    ['updatedAt', 'ts'],
  ),
  handle: t(
    'PersonHandle',
    ['orgId', 'text'],
    ['personId', 'text'],
    ['type', 'text'],
    ['value', 'text'],
    ['normalizedValue', 'text'],
  ),
  personGroup: t('PersonGroup', ['orgId', 'text'], ['personId', 'text'], ['groupName', 'text']),
  personRole: t('PersonRole', ['orgId', 'text'], ['personId', 'text'], ['roleId', 'text']),
  attribute: t(
    'PersonAttribute',
    ['orgId', 'text'],
    ['personId', 'text'],
    ['bucket', 'text'],
    ['name', 'text'],
    ['value', 'text'],
  ),
  metadata: t(
    'UuidMetadata',
    ['orgId', 'text'],
    ['personId', 'text'],
    ['name', 'text'],
    ['externalId', 'text'],
    ['profileUrl', 'text'],
    ['email', 'text'],
    ['type', 'text'],
    ['status', 'text'],
    ['custom', 'text'],
    ['eTag', 'text'],
    ['updated', 'ts'],
  ),
  ownValue: t(
    'UserAttributeValue',
    ['orgId', 'text'],
    ['personId', 'text'],
    ['userAttributeId', 'text'],
    ['value', 'text'],
    ['updatedAt', 'ts'],
  ),
} satisfies Record<string, Table>;

export type TableKey = keyof typeof tables;
export type Rows = Record<TableKey, Cell[][]>;

export function emptyRows(): Rows {
  return Object.fromEntries(Object.keys(tables).map((key) => [key, []])) as unknown as Rows;
}

/** ISO-8601 in UTC, as the Prisma adapters store it (the SQLite writer adapts the zone suffix). */
const iso = (ms: number) => new Date(ms).toISOString();

export interface OrgSeed {
  orgId: string;
  apiKey: string;
  /** Role id by role name. */
  roleIds: Map<string, string>;
  /** User attribute id by name. */
  userAttributeIds: Map<string, string>;
  /** Persons are created one millisecond apart from here, so listing order is the index order. */
  epochMs: number;
}

/** The organization with its API key (stored as sha256, like src/domain/organizations.ts), buckets, roles, user attributes and group values. */
export function organizationRows(rows: Rows, epochMs = Date.UTC(2026, 0, 1)): OrgSeed {
  const orgId = randomUUID();
  const apiKey = `aq_${randomBytes(32).toString('base64url')}`;
  const now = iso(epochMs);
  rows.organization.push([orgId, 'bench', randomBytes(32).toString('base64url'), now]);
  rows.apiKey.push([randomUUID(), orgId, createHash('sha256').update(apiKey).digest('hex'), now]);
  for (const [name, permission] of [
    ['end_user_no_access', 'NO_ACCESS'],
    ['end_user_read_only', 'READ_ONLY'],
    [benchBucket, 'READ_WRITE'],
  ] as const) {
    rows.bucket.push([orgId, name, permission, true, now]);
  }
  rows.bucket.push([orgId, 'profile', 'NO_ACCESS', false, now]);
  const roleIds = new Map<string, string>();
  for (const name of roleNames) {
    const id = randomUUID();
    roleIds.set(name, id);
    rows.role.push([orgId, id, name, now]);
  }
  const userAttributeIds = new Map<string, string>();
  for (const spec of userAttributeSpecs) {
    const id = randomUUID();
    userAttributeIds.set(spec.name, id);
    const label = spec.name.replace(/_/g, ' ');
    rows.userAttribute.push([
      orgId,
      id,
      spec.name,
      label,
      spec.type,
      spec.defaultValue,
      spec.valueIsHidden,
      true,
      spec.userCanEdit,
      now,
    ]);
    for (let g = 0; g < groupCount; g += 1) {
      const value = spec.groupValues(g);
      if (value) rows.groupValue.push([orgId, randomUUID(), id, groupName(g), value.value, value.rank]);
    }
  }
  return { orgId, apiKey, roleIds, userAttributeIds, epochMs };
}

/** Every row of one person: the person, an email handle, 3 groups, a role, 10 attributes, UUID metadata, some own values. */
export function personRows(rows: Rows, org: OrgSeed, index: number): void {
  const { orgId } = org;
  const id = personId(index);
  const created = iso(org.epochMs + index);
  rows.person.push([orgId, id, true, 'REGULAR', 'US_IOWA', randomBytes(12).toString('base64url'), created, created]);
  const email = `${id}@example.com`;
  rows.handle.push([orgId, id, 'EMAIL_ADDRESS', email, email]);
  for (const group of groupsOf(index)) rows.personGroup.push([orgId, id, group]);
  rows.personRole.push([orgId, id, org.roleIds.get(roleOf(index)) as string]);
  for (const [name, value] of Object.entries(seededAttributes(index))) {
    rows.attribute.push([orgId, id, benchBucket, name, JSON.stringify(value)]);
  }
  const content: MetadataContent = {
    name: `Person ${index}`,
    externalId: `ext-${index}`,
    profileUrl: null,
    email,
    type: 'member',
    status: 'active',
    custom: { score: index % 1000, vip: index % 10 === 0 },
  };
  rows.metadata.push([
    orgId,
    id,
    content.name,
    content.externalId,
    content.profileUrl,
    content.email,
    content.type,
    content.status,
    JSON.stringify(content.custom),
    contentETag(content),
    created,
  ]);
  for (const spec of userAttributeSpecs) {
    const value = spec.ownValue(index);
    if (value !== null) rows.ownValue.push([orgId, id, org.userAttributeIds.get(spec.name) as string, value, created]);
  }
}
