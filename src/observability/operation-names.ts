/** CONTRACT §11: at most this many distinct operation names are labels in one process; the rest are `other`. */
export const maxOperationNames = 100;

const seen = new Set<string>();

/** The operation name as a metric label: itself while fewer than 100 names were seen, else `other`. */
export function operationNameLabel(name: string): string {
  if (seen.has(name)) return name;
  if (seen.size >= maxOperationNames) return 'other';
  seen.add(name);
  return name;
}
