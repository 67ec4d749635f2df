import { z } from 'zod';
import { personScopes } from '../../auth/person-token.ts';
import { orgIdOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import { type MintedToken, mintPersonToken } from '../../domain/persons/person-tokens.ts';
import { builder } from '../builder.ts';

const MintPersonTokenInput = builder.inputType('MintPersonTokenInput', {
  fields: (t) => ({
    personId: t.id({ required: true }),
    scopes: t.stringList({ required: true, description: 'user:attributes:read and/or user:attributes:write.' }),
    expiresInSeconds: t.int({ defaultValue: 3600, description: '60–86400.' }),
  }),
  validate: z.looseObject({
    personId: personIdSchema,
    scopes: z.array(z.enum(personScopes, { message: `must be one of ${personScopes.join(', ')}` })).min(1),
    expiresInSeconds: z.number().int().min(60).max(86_400).nullish(),
  }),
});

const MintPersonTokenPayload = builder.objectRef<MintedToken>('MintPersonTokenPayload').implement({
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Send as "Authorization: Bearer <token>".' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

builder.mutationField('mintPersonToken', (t) =>
  t.field({
    type: MintPersonTokenPayload,
    description: 'Mints a person token (HS256 JWT) that the person uses for the end-user operations.',
    args: { input: t.arg({ type: MintPersonTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      mintPersonToken(
        orgIdOf(ctx),
        String(input.personId),
        input.scopes as (typeof personScopes)[number][],
        input.expiresInSeconds ?? 3600,
      ),
  }),
);
