import type { PersonScope } from './person-token.ts';

/** Who is calling: an organization's API key (admin of that org) or a person's token. */
export type Principal =
  /** `keyId`: the API key's id, which the change history names as the author (never the key itself). */
  | { kind: 'org'; orgId: string; keyId: string; credential: string }
  | { kind: 'person'; orgId: string; personId: string; scopes: ReadonlySet<PersonScope>; credential: string };
