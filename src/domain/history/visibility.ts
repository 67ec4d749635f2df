import { orgBuckets } from '../../loaders/buckets.ts';
import { isEndUser, orgIdOf, type Reader } from '../../loaders/reader.ts';
import { userAttributesLoader } from '../../loaders/user-attributes.ts';
import type { PersonChange } from './change.ts';
import type { ChangeFilter } from './filter.ts';

/**
 * What of the log a caller may see (CONTRACT §10): end users lose NO_ACCESS buckets, `userCanView: false` (and
 * deleted) attributes and the changes of an earlier, deleted person of the same id; `valueIsHidden` attributes
 * show null before/after to everyone (they are also stored as null, but a flag set later must hide what was
 * logged before it).
 */
export interface Visibility {
  /** Added to every filter of this caller. */
  hidden: Pick<ChangeFilter, 'visibleBuckets' | 'visibleAttributeIds' | 'currentPersonOnly'>;
  /** User attributes whose values are hidden from everyone. */
  hiddenValueIds: ReadonlySet<string>;
}

export async function visibilityOf(reader: Reader): Promise<Visibility> {
  const [buckets, definitions] = await Promise.all([
    isEndUser(reader) ? orgBuckets(reader) : Promise.resolve([]),
    userAttributesLoader(reader).load(orgIdOf(reader)),
  ]);
  const endUser = isEndUser(reader);
  return {
    hidden: endUser
      ? {
          visibleBuckets: buckets.filter((b) => b.endUserPermissions !== 'NO_ACCESS').map((b) => b.name),
          visibleAttributeIds: definitions.filter((d) => d.userCanView).map((d) => d.id),
          currentPersonOnly: true,
        }
      : {},
    hiddenValueIds: new Set(definitions.filter((d) => d.valueIsHidden).map((d) => d.id)),
  };
}

/** The change with hidden values blanked. */
export function maskHiddenValues(change: PersonChange, visibility: Visibility): PersonChange {
  if (!change.entries.some((entry) => entry.attributeId && visibility.hiddenValueIds.has(entry.attributeId))) {
    return change;
  }
  return {
    ...change,
    entries: change.entries.map((entry) =>
      entry.attributeId && visibility.hiddenValueIds.has(entry.attributeId)
        ? { ...entry, before: null, after: null }
        : entry,
    ),
  };
}
