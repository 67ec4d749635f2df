import { type Dialect, inList, type SqlParam } from '../../db/sql/sql-client.ts';
import type { ChangeArea, ChangeEntry, PersonChange } from './change.ts';

/**
 * Which changes, and which of their entries, a reader gets. A change is kept when one of its entries is; a
 * DELETED change (no entries) is always kept, since it ends every area's values. The same rule is written twice:
 * in SQL, so pages are counted after filtering, and here, to drop the entries a kept change must not show.
 */
export interface ChangeFilter {
  areas?: readonly ChangeArea[] | null;
  bucket?: string | null;
  name?: string | null;
  /**
   * For end users: the buckets whose entries they may see; any other one is hidden, one created since this list was
   * read too (a list of what to hide would let a new NO_ACCESS bucket through). Unset: every bucket.
   */
  visibleBuckets?: readonly string[] | null;
  /**
   * For end users: the user attributes (ids) whose entries they may see; any other one is hidden, a deleted one
   * too (its definition, and so its userCanView, is gone). Unset: every attribute.
   */
  visibleAttributeIds?: readonly string[] | null;
  /**
   * For end users: only changes of the person as it is now, none of an earlier person with the same id that was
   * deleted (a change with a DELETED change of its person at or after it). Applied in SQL only: what the live
   * feed delivers is always of the current person.
   */
  currentPersonOnly?: boolean;
}

function isFiltering(filter: ChangeFilter): boolean {
  return Boolean(
    filter.areas || filter.bucket != null || filter.name != null || filter.visibleBuckets || filter.visibleAttributeIds,
  );
}

export function entryMatches(entry: ChangeEntry, filter: ChangeFilter): boolean {
  if (filter.areas && !filter.areas.includes(entry.area)) return false;
  if (filter.bucket != null && entry.bucket !== filter.bucket) return false;
  if (filter.name != null && entry.name !== filter.name) return false;
  if (entry.area === 'ATTRIBUTE' && filter.visibleBuckets?.includes(entry.bucket ?? '') === false) return false;
  if (entry.area === 'USER_ATTRIBUTE' && filter.visibleAttributeIds?.includes(entry.attributeId ?? '') === false) {
    return false;
  }
  return true;
}

/** The change with only the entries the filter shows, or null when the filter drops it. */
export function applyFilter(change: PersonChange, filter: ChangeFilter): PersonChange | null {
  if (!isFiltering(filter) || change.kind === 'DELETED') return change;
  const entries = change.entries.filter((entry) => entryMatches(entry, filter));
  return entries.length ? { ...change, entries } : null;
}

/** The SQL form of the filter over the change row `c`, with its seven parameters from `$start` on. */
export function filterClause(d: Dialect, start: number): string {
  const [on, areas, bucket, name] = [0, 1, 2, 3].map((i) => `$${start + i}`) as [string, string, string, string];
  const field = (key: string) => (d === 'sqlite' ? `json_extract(e.value, '$.${key}')` : `(e.value->>'${key}')`);
  const elements = d === 'sqlite' ? `json_each(c."entries") e` : `jsonb_array_elements(c."entries"::jsonb) e`;
  const text = (param: string) => (d === 'sqlite' ? param : `${param}::text`);
  const list = (param: string) => (d === 'sqlite' ? param : `${param}::text[]`);
  return `(NOT ${d === 'sqlite' ? on : `${on}::boolean`} OR c."kind" = 'DELETED' OR EXISTS (SELECT 1 FROM ${elements}
    WHERE (${list(areas)} IS NULL OR ${field('area')} ${inList(d, start + 1)})
      AND (${text(bucket)} IS NULL OR ${field('bucket')} = ${text(bucket)})
      AND (${text(name)} IS NULL OR ${field('name')} = ${text(name)})
      AND NOT (${field('area')} = 'ATTRIBUTE' AND ${list(`$${start + 4}`)} IS NOT NULL
        AND NOT (COALESCE(${field('bucket')}, '') ${inList(d, start + 4)}))
      AND NOT (${field('area')} = 'USER_ATTRIBUTE' AND ${list(`$${start + 5}`)} IS NOT NULL
        AND NOT (COALESCE(${field('attributeId')}, '') ${inList(d, start + 5)}))))
    AND (NOT ${d === 'sqlite' ? `$${start + 6}` : `$${start + 6}::boolean`} OR NOT EXISTS (SELECT 1 FROM "PersonChange" g
      WHERE g."orgId" = c."orgId" AND g."personId" = c."personId" AND g."kind" = 'DELETED'
        AND (g."txid", g."id") >= (c."txid", c."id")))`;
}

/** The seven parameters of `filterClause`, in order. */
export function filterParams(filter: ChangeFilter): SqlParam[] {
  return [
    isFiltering(filter),
    filter.areas ? [...filter.areas] : null,
    filter.bucket ?? null,
    filter.name ?? null,
    filter.visibleBuckets ? [...filter.visibleBuckets] : null,
    filter.visibleAttributeIds ? [...filter.visibleAttributeIds] : null,
    filter.currentPersonOnly ?? false,
  ];
}
