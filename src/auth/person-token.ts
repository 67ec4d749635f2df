import { createHmac } from 'node:crypto';
import { safeEqual } from './secrets.ts';

/** The scopes a person token may carry. */
export const personScopes = ['user:attributes:read', 'user:attributes:write'] as const;
export type PersonScope = (typeof personScopes)[number];

export interface PersonTokenClaims {
  sub: string;
  org: string;
  scope: string;
  iat: number;
  exp: number;
  /**
   * When the person was created (ms since the epoch). A person deleted and created again under the same id is
   * another person: tokens of the earlier one must not work for it.
   */
  pct: number;
}

const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Signs a compact HS256 JWT (person tokens, Looker login tokens). */
export function signJwt(claims: object, secret: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export const signPersonToken = (claims: PersonTokenClaims, secret: string): string => signJwt(claims, secret);

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/** The claims of a token, unverified: only to find whose secret verifies it. */
export function peekClaims(token: string): Partial<PersonTokenClaims> | null {
  const parts = token.split('.');
  try {
    const headerJson = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    if (headerJson.alg !== 'HS256') return null;
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as Partial<PersonTokenClaims>) : null;
  } catch {
    return null;
  }
}

/** The claims of a token signed with `secret` that has not expired, or null. */
export function verifiedClaims(token: string, secret: string, now = Date.now()): Record<string, unknown> | null {
  const [headerPart, payloadPart, signature] = token.split('.');
  if (!headerPart || !payloadPart || !signature) return null;
  const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest('base64url');
  if (!safeEqual(signature, expected)) return null;
  const claims = peekClaims(token) as Record<string, unknown> | null;
  if (!claims || typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return null;
  return claims;
}

/** The verified claims of a person token, or null when the signature, shape or expiry is wrong. */
export function verifyPersonToken(token: string, secret: string, now = Date.now()): PersonTokenClaims | null {
  const claims = verifiedClaims(token, secret, now) as Partial<PersonTokenClaims> | null;
  if (
    !claims ||
    typeof claims.sub !== 'string' ||
    typeof claims.org !== 'string' ||
    typeof claims.scope !== 'string' ||
    typeof claims.pct !== 'number'
  ) {
    return null;
  }
  return claims as PersonTokenClaims;
}
