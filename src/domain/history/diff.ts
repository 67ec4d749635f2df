import type { ChangeArea, ChangeEntry } from './change.ts';

/** Stored values by name, as JSON text (absent: not in the map). */
export type StoredValues = ReadonlyMap<string, string>;

const parsed = (text: string | undefined): unknown => (text === undefined ? null : JSON.parse(text));

/**
 * The entries for every name whose stored JSON text differs between `before` and `after`, by name. Text is what
 * is stored, so a value written again exactly as it was is no change.
 */
export function changedValues(
  area: ChangeArea,
  before: StoredValues,
  after: StoredValues,
  extra: Pick<ChangeEntry, 'bucket'> = {},
): ChangeEntry[] {
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names
    .filter((name) => before.get(name) !== after.get(name))
    .map((name) => ({ area, ...extra, name, before: parsed(before.get(name)), after: parsed(after.get(name)) }));
}

/** A PERSON entry when a person field (a value or a set of names) differs. */
export function changedField(name: string, before: unknown, after: unknown): ChangeEntry[] {
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ area: 'PERSON', name, before, after }];
}

/** Values as the stored JSON text of each. */
export function asStored(values: Record<string, unknown>): Map<string, string> {
  return new Map(Object.entries(values).map(([name, value]) => [name, JSON.stringify(value)]));
}
