import type { Principal } from './principal.ts';

/** The auth scopes of the builder, and what each means for a caller. */
export interface AuthScopes {
  /** An org API key: admin of its organization. */
  org: boolean;
  /** A person token with user:attributes:read or user:attributes:write. */
  personRead: boolean;
  /** A person token with user:attributes:write. */
  personWrite: boolean;
}

export function scopesOf(principal: Principal | null): AuthScopes {
  const scopes = principal?.kind === 'person' ? principal.scopes : new Set<string>();
  return {
    org: principal?.kind === 'org',
    personRead: scopes.has('user:attributes:read') || scopes.has('user:attributes:write'),
    personWrite: scopes.has('user:attributes:write'),
  };
}
