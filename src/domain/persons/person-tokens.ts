import { type PersonScope, signPersonToken } from '../../auth/person-token.ts';
import { tokenSecret } from '../../auth/secrets.ts';
import { db } from '../../db/client.ts';
import { badInputAt, notFound } from '../../errors.ts';

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

/** Mints a signed person token (HS256 JWT) for an active person of the organization. */
export async function mintPersonToken(
  orgId: string,
  personId: string,
  scopes: readonly PersonScope[],
  expiresInSeconds: number,
): Promise<MintedToken> {
  const [org, person] = await Promise.all([
    db.organization.findUnique({ where: { id: orgId }, select: { tokenSecret: true } }),
    db.person.findUnique({ where: { orgId_id: { orgId, id: personId } }, select: { active: true, createdAt: true } }),
  ]);
  if (!org || !person) throw notFound('Person');
  if (!person.active) throw badInputAt(['input', 'personId'], 'the person is inactive; its tokens would be refused');
  const issuedAt = Math.floor(Date.now() / 1000);
  const exp = issuedAt + expiresInSeconds;
  const token = signPersonToken(
    {
      sub: personId,
      org: orgId,
      scope: [...new Set(scopes)].join(' '),
      iat: issuedAt,
      exp,
      pct: person.createdAt.getTime(),
    },
    tokenSecret(org.tokenSecret),
  );
  return { token, expiresAt: new Date(exp * 1000) };
}
