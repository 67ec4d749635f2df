import { AppError, unauthenticated } from '../errors.ts';
import { authenticateCredential } from './authenticate.ts';
import { mintLoginToken } from './login-token.ts';
import { consumeRateLimit } from './rate-limit.ts';
import { hashSecret } from './secrets.ts';

/**
 * Exchanges an org API key (`clientSecret`) of organization `clientId` for a login token. UNAUTHENTICATED when the
 * key is unknown, revoked, not an API key, or of another organization. Counts against the key's rate limit.
 */
export async function loginWithApiKey(
  clientId: string,
  clientSecret: string,
): Promise<{ token: string; expiresIn: number }> {
  // Any refused credential reads as "unknown", as Looker answers; other failures (database down) stay what they are.
  const principal = await authenticateCredential(clientSecret).catch((error: unknown) => {
    if (error instanceof AppError) return null;
    throw error;
  });
  if (principal?.kind !== 'org' || principal.orgId !== clientId)
    throw unauthenticated('Unknown client_id or client_secret.');
  consumeRateLimit(principal.credential, principal.orgId);
  return mintLoginToken(clientId, hashSecret(clientSecret));
}
