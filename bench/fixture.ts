// The shape of the benchmark's data set, shared by the seeder, the load generators and the baseline's tests.
// Everything is derived from the person's index, so the seeder writes it and the load knows it without reading it.

/** The bucket every scenario writes and the seeder fills (an end user may write it, for scenario 5). */
export const benchBucket = 'end_user_read_write';
export const attributesPerPerson = 10;
export const groupCount = 40;
export const groupsPerPerson = 3;
export const roleNames = ['admin', 'editor', 'viewer', 'billing', 'support'] as const;

/** Zero-padded, so ids sort like their index (inserts append to the primary key index). */
export function personId(index: number): string {
  return `p${String(index).padStart(7, '0')}`;
}

export function groupName(index: number): string {
  return `g${String(index).padStart(2, '0')}`;
}

/** The person's groups: three distinct groups spread over all of them. */
export function groupsOf(index: number): string[] {
  return [0, 7, 19].slice(0, groupsPerPerson).map((offset) => groupName((index + offset) % groupCount));
}

export function roleOf(index: number): string {
  return roleNames[index % roleNames.length] as string;
}

export interface UserAttributeSpec {
  name: string;
  type: 'STRING' | 'NUMBER' | 'YESNO';
  defaultValue: string | null;
  valueIsHidden: boolean;
  userCanEdit: boolean;
  /** Groups with a value, each with its rank (lowest wins), or none. */
  groupValues: (group: number) => { value: string; rank: number } | null;
  /** The person's own value, or null. */
  ownValue: (index: number) => string | null;
}

/** Several user attributes: group values at ranks, defaults, a hidden one, own values for some persons. */
export const userAttributeSpecs: UserAttributeSpec[] = [
  {
    name: 'beta',
    type: 'YESNO',
    defaultValue: 'no',
    valueIsHidden: false,
    userCanEdit: false,
    groupValues: (g) => (g % 4 === 0 ? { value: 'yes', rank: ((g * 7) % groupCount) + 1 } : null),
    ownValue: () => null,
  },
  {
    name: 'nickname',
    type: 'STRING',
    defaultValue: null,
    valueIsHidden: false,
    userCanEdit: true,
    groupValues: () => null,
    ownValue: (i) => (i % 5 === 0 ? `nick-${i}` : null),
  },
  {
    name: 'plan',
    type: 'STRING',
    defaultValue: 'free',
    valueIsHidden: false,
    userCanEdit: false,
    groupValues: (g) => (g % 2 === 0 ? { value: `plan-${g}`, rank: ((g * 11) % groupCount) + 1 } : null),
    ownValue: (i) => (i % 10 === 3 ? 'enterprise' : null),
  },
  {
    name: 'region_code',
    type: 'STRING',
    defaultValue: null,
    valueIsHidden: false,
    userCanEdit: false,
    groupValues: (g) => (g % 3 === 0 ? { value: `r${g}`, rank: ((g * 13) % groupCount) + 1 } : null),
    ownValue: () => null,
  },
  {
    name: 'seats',
    type: 'NUMBER',
    defaultValue: '1',
    valueIsHidden: false,
    userCanEdit: false,
    groupValues: (g) => (g % 5 === 0 ? { value: String(g * 10), rank: ((g * 17) % groupCount) + 1 } : null),
    ownValue: (i) => (i % 7 === 0 ? String(i % 100) : null),
  },
  {
    name: 'secret_level',
    type: 'STRING',
    defaultValue: 'low',
    valueIsHidden: true,
    userCanEdit: false,
    groupValues: (g) => (g % 2 === 1 ? { value: `level-${g}`, rank: ((g * 3) % groupCount) + 1 } : null),
    ownValue: () => null,
  },
];

/** The seeded attributes of a person: ten keys with a mix of JSON values. */
export function seededAttributes(index: number): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (let k = 0; k < attributesPerPerson; k += 1) {
    const name = `attr_${String(k).padStart(2, '0')}`;
    switch (k % 4) {
      case 0:
        attributes[name] = `value-${index}-${k}`;
        break;
      case 1:
        attributes[name] = index * 10 + k;
        break;
      case 2:
        attributes[name] = index % 2 === 0;
        break;
      default:
        attributes[name] = { tier: k, tags: ['a', 'b'], since: '2026-01-01' };
    }
  }
  return attributes;
}

/** Three keys to merge, out of twenty, with fresh values: a bucket grows to at most 30 keys. */
export function mergeKeys(random: () => number = Math.random): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  while (Object.keys(attributes).length < 3) {
    attributes[`bench_${Math.floor(random() * 20)}`] = Math.floor(random() * 1_000_000);
  }
  return attributes;
}
