import { z } from 'zod';
import { orgIdOf, personOf } from '../../context.ts';
import { personIdSchema } from '../../domain/ids.ts';
import type { ResolvedValue } from '../../domain/user-attributes/resolve.ts';
import { attributeValueSchema } from '../../domain/user-attributes/rules.ts';
import { deleteUserValue, setUserValue } from '../../domain/user-attributes/user-values.ts';
import { builder } from '../builder.ts';
import { valueAfterWrite } from './attribute-values.ts';
import { UserAttributeWithValueRef } from './types.ts';

const SetUserAttributeValueInput = builder.inputType('SetUserAttributeValueInput', {
  fields: (t) => ({
    userId: t.id({ required: true, description: 'A person id.' }),
    userAttributeId: t.id({ required: true }),
    value: t.string({ required: true, description: 'Checked against the attribute’s type.' }),
  }),
  validate: z.looseObject({ userId: personIdSchema, value: attributeValueSchema }),
});

const DeleteUserAttributeValueInput = builder.inputType('DeleteUserAttributeValueInput', {
  fields: (t) => ({ userId: t.id({ required: true }), userAttributeId: t.id({ required: true }) }),
  validate: z.looseObject({ userId: personIdSchema }),
});

const SetMyUserAttributeValueInput = builder.inputType('SetMyUserAttributeValueInput', {
  fields: (t) => ({
    userAttributeId: t.id({ required: true }),
    value: t.string({ required: true, description: 'Checked against the attribute’s type.' }),
  }),
  validate: z.looseObject({ value: attributeValueSchema }),
});

export const UserAttributeValuePayload = builder
  .objectRef<{ value: ResolvedValue }>('UserAttributeValuePayload')
  .implement({
    fields: (t) => ({
      value: t.field({
        type: UserAttributeWithValueRef,
        description: 'The effective value after the write.',
        resolve: (p) => p.value,
      }),
    }),
  });

builder.mutationField('setUserAttributeValue', (t) =>
  t.field({
    type: UserAttributeValuePayload,
    description: "Sets the person's own value, which takes precedence over group values and the default.",
    args: { input: t.arg({ type: SetUserAttributeValueInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const personId = String(input.userId);
      const attribute = await setUserValue(orgIdOf(ctx), personId, String(input.userAttributeId), input.value);
      return { value: await valueAfterWrite(ctx, personId, attribute) };
    },
  }),
);

builder.mutationField('deleteUserAttributeValue', (t) =>
  t.field({
    type: UserAttributeValuePayload,
    description: "Removes the person's own value; the response shows what applies now.",
    args: { input: t.arg({ type: DeleteUserAttributeValueInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const personId = String(input.userId);
      const attribute = await deleteUserValue(orgIdOf(ctx), personId, String(input.userAttributeId));
      return { value: await valueAfterWrite(ctx, personId, attribute) };
    },
  }),
);

builder.mutationField('setMyUserAttributeValue', (t) =>
  t.field({
    type: UserAttributeValuePayload,
    description: "Person token (user:attributes:write): sets the caller's own value of a userCanEdit attribute.",
    skipTypeScopes: true,
    authScopes: { personWrite: true },
    args: { input: t.arg({ type: SetMyUserAttributeValueInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { orgId, personId } = personOf(ctx);
      const attribute = await setUserValue(orgId, personId, String(input.userAttributeId), input.value, {
        endUser: true,
      });
      return { value: await valueAfterWrite(ctx, personId, attribute) };
    },
  }),
);
