import type { UserAttribute } from '../../db/client.ts';
import type { GroupValueRow } from '../../loaders/user-attributes.ts';

export type ValueSource = 'USER' | 'GROUP' | 'DEFAULT' | 'UNSET';

/** One entry of a person's attribute values: where the value comes from, before any hiding. */
export interface ResolvedValue {
  attribute: UserAttribute;
  personId: string;
  source: ValueSource;
  /** The stored value; views.ts nulls it where it may not be shown. */
  value: string | null;
  rank: number | null;
  sourceGroup: string | null;
}

export interface ResolveOptions {
  /** Only these attribute names; null or undefined: every attribute. */
  fields?: readonly string[] | null;
  /** Only these attribute ids (Looker's user_attribute_ids); null or undefined: every attribute. */
  ids?: readonly string[] | null;
  /** Every value on the search path (USER, GROUP by rank, DEFAULT), not only the winner. */
  allValues?: boolean | null;
  /** An UNSET entry for each attribute that has no value at all. */
  includeUnset?: boolean | null;
}

/**
 * A person's attribute values by precedence (CONTRACT §7): own value, else the value of the person's group with
 * the lowest rank, else the default, else unset. `attributes` in listing order; `groupValues` those of the
 * person's groups (any order); `ownValues` by attribute id.
 */
export function resolveValues(
  personId: string,
  attributes: readonly UserAttribute[],
  ownValues: ReadonlyMap<string, string>,
  groupValues: readonly GroupValueRow[],
  options: ResolveOptions = {},
): ResolvedValue[] {
  const wanted = options.fields ? new Set(options.fields) : null;
  const wantedIds = options.ids ? new Set(options.ids) : null;
  const groupsByAttribute = new Map<string, GroupValueRow[]>();
  for (const row of groupValues) {
    const rows = groupsByAttribute.get(row.userAttributeId) ?? [];
    rows.push(row);
    groupsByAttribute.set(row.userAttributeId, rows);
  }
  const result: ResolvedValue[] = [];
  for (const attribute of attributes) {
    if (wanted && !wanted.has(attribute.name)) continue;
    if (wantedIds && !wantedIds.has(attribute.id)) continue;
    const entry = (
      source: ValueSource,
      value: string | null,
      rank: number | null = null,
      group: string | null = null,
    ) => ({ attribute, personId, source, value, rank, sourceGroup: group }) satisfies ResolvedValue;
    const path: ResolvedValue[] = [];
    const own = ownValues.get(attribute.id);
    if (own !== undefined) path.push(entry('USER', own));
    const groups = (groupsByAttribute.get(attribute.id) ?? []).sort((a, b) => a.rank - b.rank);
    for (const row of groups) path.push(entry('GROUP', row.value, row.rank, row.groupName));
    if (attribute.defaultValue !== null) path.push(entry('DEFAULT', attribute.defaultValue));
    if (path.length === 0) {
      if (options.includeUnset) result.push(entry('UNSET', null));
    } else if (options.allValues) {
      result.push(...path);
    } else {
      result.push(path[0] as ResolvedValue);
    }
  }
  return result;
}
