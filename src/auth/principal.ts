import type { PersonScope } from './person-token.ts';

/** Who is calling: an organization's API key (admin of that org) or a person's token. */
export type Principal =
  | { kind: 'org'; orgId: string; credential: string }
  | { kind: 'person'; orgId: string; personId: string; scopes: ReadonlySet<PersonScope>; credential: string };
