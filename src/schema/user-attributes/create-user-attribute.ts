import { orgIdOf } from '../../context.ts';
import { createUserAttribute } from '../../domain/user-attributes/definitions.ts';
import { createUserAttributeInput } from '../../domain/user-attributes/inputs.ts';
import { type UserAttributeView, userAttributeView } from '../../domain/user-attributes/views.ts';
import { builder } from '../builder.ts';
import { UserAttributeRef, UserAttributeTypeEnum } from './types.ts';

const CreateUserAttributeInput = builder.inputType('CreateUserAttributeInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: '1–255 characters, ^[a-z][a-z0-9_]*$, unique.' }),
    label: t.string({ required: true, description: '1–255 characters, unique.' }),
    type: t.field({ type: UserAttributeTypeEnum, required: true }),
    defaultValue: t.string({ description: 'Checked against the type.' }),
    valueIsHidden: t.boolean({ defaultValue: false }),
    userCanView: t.boolean({ defaultValue: true }),
    userCanEdit: t.boolean({ defaultValue: false }),
    hiddenValueDomainWhitelist: t.string(),
  }),
  validate: createUserAttributeInput,
});

export const UserAttributePayload = builder
  .objectRef<{ userAttribute: UserAttributeView }>('UserAttributePayload')
  .implement({
    fields: (t) => ({ userAttribute: t.field({ type: UserAttributeRef, resolve: (p) => p.userAttribute }) }),
  });

builder.mutationField('createUserAttribute', (t) =>
  t.field({
    type: UserAttributePayload,
    args: { input: t.arg({ type: CreateUserAttributeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const userAttribute = await createUserAttribute(orgIdOf(ctx), input);
      return { userAttribute: userAttributeView(userAttribute) };
    },
  }),
);
