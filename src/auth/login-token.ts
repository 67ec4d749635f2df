import { unauthenticated } from '../errors.ts';
import { cachedOrgSecret, findApiKey, findOrgSecret } from './credential-lookups.ts';
import { signJwt, verifiedClaims } from './person-token.ts';
import type { Principal } from './principal.ts';
import { tokenSecret } from './secrets.ts';

/**
 * Login tokens (Looker's `POST /api/4.0/login`): an org API key exchanged for a short-lived bearer token that
 * acts as that key. The token names the key by its hash and is signed with the organization's token secret;
 * every use checks the key again, so revoking the key ends its tokens at once, on every instance.
 */

export const loginTokenSeconds = 3600;

interface LoginClaims {
  typ: 'login';
  org: string;
  /** The SHA-256 of the API key: what rate limits count against. */
  key: string;
  exp: number;
}

export function isLoginClaims(claims: Partial<{ typ: unknown }> | null): boolean {
  return claims?.typ === 'login';
}

export async function mintLoginToken(orgId: string, keyHash: string): Promise<{ token: string; expiresIn: number }> {
  const secret = await findOrgSecret(orgId);
  if (secret === null) throw unauthenticated('Unknown organization.');
  const claims: LoginClaims = {
    typ: 'login',
    org: orgId,
    key: keyHash,
    exp: Math.floor(Date.now() / 1000) + loginTokenSeconds,
  };
  return { token: signJwt(claims, tokenSecret(secret)), expiresIn: loginTokenSeconds };
}

/** The principal of a login token: the organization of a key that is still valid. */
export async function authenticateLoginToken(token: string, orgId: string): Promise<Principal> {
  const secret = await cachedOrgSecret(orgId);
  const claims = secret === null ? null : (verifiedClaims(token, tokenSecret(secret)) as Partial<LoginClaims> | null);
  if (!claims || claims.org !== orgId || typeof claims.key !== 'string') {
    throw unauthenticated('Invalid or expired login token.');
  }
  const key = await findApiKey(claims.key);
  if (!key || key.revoked || key.orgId !== orgId) throw unauthenticated('The API key of this login token is revoked.');
  return { kind: 'org', orgId, keyId: key.id, credential: claims.key };
}
