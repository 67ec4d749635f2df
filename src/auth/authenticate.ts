import { forbidden, unauthenticated } from '../errors.ts';
import { cachedOrgSecret, findApiKey, findTokenPerson } from './credential-lookups.ts';
import { authenticateLoginToken, isLoginClaims } from './login-token.ts';
import { looksLikeJwt, type PersonScope, peekClaims, personScopes, verifyPersonToken } from './person-token.ts';
import type { Principal } from './principal.ts';
import { hashSecret, tokenSecret } from './secrets.ts';

const bearerForm = '"Authorization: Bearer <API key or person token>"';

/**
 * The bearer credential of a request, or null when there is no Authorization header. A header in another form is
 * UNAUTHENTICATED with a message saying what is wrong with it (never echoing it: it may hold the secret).
 */
export function bearerCredential(headers: Headers): string | null {
  const header = headers.get('authorization')?.trim() ?? '';
  if (header === '') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1]) return match[1];
  const words = header.split(/\s+/);
  const scheme = words[0] ?? '';
  if (/^Bearer$/i.test(scheme)) {
    throw unauthenticated(
      words.length === 1
        ? `The Authorization header has "Bearer" but no credential after it; send ${bearerForm}.`
        : `The Authorization header has more than one word after "Bearer"; send ${bearerForm}, the credential without spaces.`,
    );
  }
  if (words.length === 1) {
    throw unauthenticated(
      `The Authorization header lacks the "Bearer " prefix before the credential; send ${bearerForm}.`,
    );
  }
  const named = /^[A-Za-z-]{1,20}$/.test(scheme) ? `the "${scheme}" scheme` : 'another scheme than Bearer';
  throw unauthenticated(`The Authorization header uses ${named}; attrql accepts only ${bearerForm}.`);
}

/**
 * Resolves a credential to a principal, or throws UNAUTHENTICATED. Checked against the database on every
 * request, so a revoked key or a deleted/deactivated person's token stops working at once, on every instance.
 */
export async function authenticateCredential(credential: string | null): Promise<Principal> {
  if (!credential) throw unauthenticated(`Missing credential: send ${bearerForm}.`);
  const credentialHash = hashSecret(credential);
  if (looksLikeJwt(credential)) return authenticatePersonToken(credential, credentialHash);

  const key = await findApiKey(credentialHash);
  if (!key || key.revoked) throw unauthenticated('Unknown or revoked API key.');
  return { kind: 'org', orgId: key.orgId, keyId: key.id, credential: credentialHash };
}

async function authenticatePersonToken(token: string, credentialHash: string): Promise<Principal> {
  const unverified = peekClaims(token);
  const orgId = unverified?.org;
  if (typeof orgId === 'string' && isLoginClaims(unverified as { typ?: unknown })) {
    return authenticateLoginToken(token, orgId);
  }
  if (typeof orgId !== 'string' || typeof unverified?.sub !== 'string')
    throw unauthenticated('Malformed person token.');
  // The signature is checked with the organization's (cached) secret before anything about the person is read.
  const secret = process.env.ATTRQL_TOKEN_SECRET || (await cachedOrgSecret(orgId));
  const claims = secret ? verifyPersonToken(token, tokenSecret(secret)) : null;
  if (!claims || claims.org !== orgId) throw unauthenticated('Invalid or expired person token.');
  const person = await findTokenPerson(orgId, claims.sub);
  if (!person) throw unauthenticated('Invalid or expired person token.');
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
