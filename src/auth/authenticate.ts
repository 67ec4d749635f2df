import { forbidden, unauthenticated } from '../errors.ts';
import { findApiKey, findTokenPerson } from './credential-lookups.ts';
import { authenticateLoginToken, isLoginClaims } from './login-token.ts';
import { looksLikeJwt, type PersonScope, peekClaims, personScopes, verifyPersonToken } from './person-token.ts';
import type { Principal } from './principal.ts';
import { hashSecret, tokenSecret } from './secrets.ts';

/** The bearer credential of a request, or null when there is none. */
export function bearerCredential(headers: Headers): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '');
  return match?.[1] ?? null;
}

/**
 * Resolves a credential to a principal, or throws UNAUTHENTICATED. Checked against the database on every
 * request, so a revoked key or a deleted/deactivated person's token stops working at once, on every instance.
 */
export async function authenticateCredential(credential: string | null): Promise<Principal> {
  if (!credential) throw unauthenticated('Missing credential: send "Authorization: Bearer <API key or person token>".');
  const credentialHash = hashSecret(credential);
  if (looksLikeJwt(credential)) return authenticatePersonToken(credential, credentialHash);

  const key = await findApiKey(credentialHash);
  if (!key || key.revoked) throw unauthenticated('Unknown or revoked API key.');
  return { kind: 'org', orgId: key.orgId, credential: credentialHash };
}

async function authenticatePersonToken(token: string, credentialHash: string): Promise<Principal> {
  const unverified = peekClaims(token);
  const orgId = unverified?.org;
  if (typeof orgId === 'string' && isLoginClaims(unverified as { typ?: unknown })) {
    return authenticateLoginToken(token, orgId);
  }
  if (typeof orgId !== 'string' || typeof unverified?.sub !== 'string')
    throw unauthenticated('Malformed person token.');
  // One read for the person and its organization's secret; nothing of it is used before the signature checks.
  const person = await findTokenPerson(orgId, unverified.sub);
  const claims = person && verifyPersonToken(token, tokenSecret(person.tokenSecret));
  if (!person || !claims) throw unauthenticated('Invalid or expired person token.');
  if (!person.active || person.createdAt.getTime() !== claims.pct) {
    throw unauthenticated('The person of this token is deleted or inactive.');
  }
  const scopes = new Set(
    claims.scope.split(' ').filter((s): s is PersonScope => (personScopes as readonly string[]).includes(s)),
  );
  return { kind: 'person', orgId, personId: claims.sub, scopes, credential: credentialHash };
}

/** `X-Org-Id` and its alias `SlashID-OrgID`: each one present must name the credential's organization. */
export function checkOrgHeader(headers: Headers, principal: Principal): void {
  for (const header of ['x-org-id', 'slashid-orgid']) {
    const claimed = headers.get(header);
    if (claimed !== null && claimed !== principal.orgId) {
      throw forbidden(`The ${header} header names another organization than the credential.`);
    }
  }
}
