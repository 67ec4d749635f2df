// UUID metadata content and its eTag, as CONTRACT §6 and src/domain/uuid-metadata/content.ts define them: a
// fingerprint of the content, so an identical write keeps the eTag. Written again here, because the baseline
// shares attrql's tables, not its code.
import { createHash } from 'node:crypto';

export type CustomValue = string | number | boolean;

export interface MetadataContent {
  name: string | null;
  externalId: string | null;
  profileUrl: string | null;
  email: string | null;
  type: string | null;
  status: string | null;
  custom: Record<string, CustomValue> | null;
}

export const contentKeys = ['name', 'externalId', 'profileUrl', 'email', 'type', 'status', 'custom'] as const;

export type MetadataChanges = { [K in keyof MetadataContent]?: MetadataContent[K] | null };

export const emptyContent: MetadataContent = {
  name: null,
  externalId: null,
  profileUrl: null,
  email: null,
  type: null,
  status: null,
  custom: null,
};

/** Omitted fields keep the stored value, null clears, `custom` is replaced whole. */
export function mergeContent(stored: MetadataContent, changes: MetadataChanges): MetadataContent {
  const merged = { ...stored };
  for (const key of contentKeys) {
    const value = changes[key];
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function canonicalCustom(custom: MetadataContent['custom']): string | null {
  if (custom === null) return null;
  return JSON.stringify(Object.entries(custom).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function contentETag(content: MetadataContent): string {
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
