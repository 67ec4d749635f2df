// User-attribute precedence (CONTRACT §7): own value, else the value of the person's group with the lowest rank,
// else the default; hidden values are null; attributes without a value are left out.
import type { GroupValueRow, UserAttributeRow } from './store.ts';

export interface AttributeValue {
  name: string;
  value: string | null;
  source: 'USER' | 'GROUP' | 'DEFAULT';
}

/** `userAttributes` by name; `groupValues` of any groups: only those in `groups` count. */
export function resolveValues(
  userAttributes: readonly UserAttributeRow[],
  ownValues: ReadonlyMap<string, string>,
  groupValues: readonly GroupValueRow[],
  groups: readonly string[],
): AttributeValue[] {
  const best = new Map<string, GroupValueRow>();
  for (const row of groupValues) {
    if (!groups.includes(row.groupName)) continue;
    const current = best.get(row.userAttributeId);
    if (!current || row.rank < current.rank) best.set(row.userAttributeId, row);
  }
  const result: AttributeValue[] = [];
  for (const attribute of userAttributes) {
    const own = ownValues.get(attribute.id);
    const group = best.get(attribute.id);
    let entry: AttributeValue | null = null;
    if (own !== undefined) entry = { name: attribute.name, value: own, source: 'USER' };
    else if (group) entry = { name: attribute.name, value: group.value, source: 'GROUP' };
    else if (attribute.defaultValue !== null) {
      entry = { name: attribute.name, value: attribute.defaultValue, source: 'DEFAULT' };
    }
    if (!entry) continue;
    if (attribute.valueIsHidden) entry.value = null;
    result.push(entry);
  }
  return result;
}
