import {
  deleteUserAttributeValue,
  setMyUserAttributeValue,
  setUserAttributeValue,
} from '../../domain/user-attributes/attribute-values.ts';
import { setMyValueInput, setUserValueInput, userIdInput } from '../../domain/user-attributes/inputs.ts';
import type { AttributeValueView } from '../../domain/user-attributes/views.ts';
import { builder } from '../builder.ts';
import { UserAttributeWithValueRef } from './types.ts';

const SetUserAttributeValueInput = builder.inputType('SetUserAttributeValueInput', {
  fields: (t) => ({
    userId: t.id({ required: true, description: 'A person id.' }),
    userAttributeId: t.id({ required: true }),
    value: t.string({ required: true, description: 'Checked against the attribute’s type.' }),
  }),
  validate: setUserValueInput,
});

const DeleteUserAttributeValueInput = builder.inputType('DeleteUserAttributeValueInput', {
  fields: (t) => ({ userId: t.id({ required: true }), userAttributeId: t.id({ required: true }) }),
  validate: userIdInput,
});

const SetMyUserAttributeValueInput = builder.inputType('SetMyUserAttributeValueInput', {
  fields: (t) => ({
    userAttributeId: t.id({ required: true }),
    value: t.string({ required: true, description: 'Checked against the attribute’s type.' }),
  }),
  validate: setMyValueInput,
});

export const UserAttributeValuePayload = builder
  .objectRef<{ value: AttributeValueView }>('UserAttributeValuePayload')
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
    resolve: async (_root, { input }, ctx) => ({
      value: await setUserAttributeValue(ctx, {
        userId: String(input.userId),
        userAttributeId: String(input.userAttributeId),
        value: input.value,
      }),
    }),
  }),
);

builder.mutationField('deleteUserAttributeValue', (t) =>
  t.field({
    type: UserAttributeValuePayload,
    description: "Removes the person's own value; the response shows what applies now.",
    args: { input: t.arg({ type: DeleteUserAttributeValueInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      value: await deleteUserAttributeValue(ctx, {
        userId: String(input.userId),
        userAttributeId: String(input.userAttributeId),
      }),
    }),
  }),
);

builder.mutationField('setMyUserAttributeValue', (t) =>
  t.field({
    type: UserAttributeValuePayload,
    description: "Person token (user:attributes:write): sets the caller's own value of a userCanEdit attribute.",
    skipTypeScopes: true,
    authScopes: { personWrite: true },
    args: { input: t.arg({ type: SetMyUserAttributeValueInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({
      value: await setMyUserAttributeValue(ctx, { userAttributeId: String(input.userAttributeId), value: input.value }),
    }),
  }),
);
