// Person tokens: compact HS256 JWTs as src/auth/person-token.ts signs them (sub, org, scope, exp, pct).
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  sub: string;
  org: string;
  scope: string;
  exp: number;
  pct: number;
}

/** The claims, unverified: only to find the organization whose secret verifies the token. */
export function peekClaims(token: string): Partial<TokenClaims> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown };
    if (header.alg !== 'HS256') return null;
    const claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as unknown;
    return claims && typeof claims === 'object' ? (claims as Partial<TokenClaims>) : null;
  } catch {
    return null;
  }
}

/** The verified claims, or null when the signature, shape or expiry is wrong. */
export function verifyToken(token: string, secret: string, now = Date.now()): TokenClaims | null {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return null;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = peekClaims(token);
  if (
    !claims ||
    typeof claims.sub !== 'string' ||
    typeof claims.org !== 'string' ||
    typeof claims.scope !== 'string' ||
    typeof claims.exp !== 'number' ||
    typeof claims.pct !== 'number' ||
    claims.exp * 1000 <= now
  ) {
    return null;
  }
  return claims as TokenClaims;
}
