import { createHash } from 'node:crypto';
import type { UuidMetadata } from '../../db/client.ts';
import type { ChangeEntry } from '../history/change.ts';

export type CustomValue = string | number | boolean;

/** The content of a uuid's metadata: what its eTag fingerprints. */
export interface UuidMetadataContent {
  name: string | null;
  externalId: string | null;
  profileUrl: string | null;
  email: string | null;
  type: string | null;
  status: string | null;
  custom: Record<string, CustomValue> | null;
}

/** A write: an omitted (undefined) field keeps the stored value, null clears it. */
export type UuidMetadataChanges = { [K in keyof UuidMetadataContent]?: UuidMetadataContent[K] | null };

/** What a uuid has before its first write. */
export const emptyContent: UuidMetadataContent = {
  name: null,
  externalId: null,
  profileUrl: null,
  email: null,
  type: null,
  status: null,
  custom: null,
};

const contentKeys = Object.keys(emptyContent) as (keyof UuidMetadataContent)[];

/** History entries (UUID_METADATA) for every field whose value differs; `custom` is one entry, whole. */
export function contentChanges(before: UuidMetadataContent, after: UuidMetadataContent): ChangeEntry[] {
  return contentKeys
    .filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .map((key) => ({ area: 'UUID_METADATA', name: key, before: before[key], after: after[key] }));
}

export function contentOf(row: UuidMetadata): UuidMetadataContent {
  return {
    name: row.name,
    externalId: row.externalId,
    profileUrl: row.profileUrl,
    email: row.email,
    type: row.type,
    status: row.status,
    custom: row.custom === null ? null : (JSON.parse(row.custom) as Record<string, CustomValue>),
  };
}

/** The stored content with the changes applied; `custom` is replaced whole, never merged. */
export function mergeContent(stored: UuidMetadataContent, changes: UuidMetadataChanges): UuidMetadataContent {
  const pick = <K extends keyof UuidMetadataContent>(key: K): UuidMetadataContent[K] => {
    const value = changes[key];
    return value === undefined ? stored[key] : (value as UuidMetadataContent[K]);
  };
  return Object.fromEntries(contentKeys.map((key) => [key, pick(key)])) as unknown as UuidMetadataContent;
}

/** Key order of `custom` is not content: {a,b} and {b,a} are the same metadata. */
function canonicalCustom(custom: UuidMetadataContent['custom']): string | null {
  if (custom === null) return null;
  return JSON.stringify(Object.entries(custom).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The content fingerprint: base64url SHA-256 of a canonical serialization. Same content, same eTag. */
export function contentETag(content: UuidMetadataContent): string {
  const canonical = JSON.stringify([
    content.name,
    content.externalId,
    content.profileUrl,
    content.email,
    content.type,
    content.status,
    canonicalCustom(content.custom),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}
