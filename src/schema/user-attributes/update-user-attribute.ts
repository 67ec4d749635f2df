import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import { deleteUserAttribute, updateUserAttribute } from '../../domain/user-attributes/definitions.ts';
import {
  attributeLabelSchema,
  attributeValueSchema,
  domainWhitelistSchema,
} from '../../domain/user-attributes/rules.ts';
import { builder } from '../builder.ts';
import { UserAttributePayload } from './create-user-attribute.ts';

// These fields always have a value: null would clear them, so it is refused (omit a field to keep it).
const cannotClear = { error: 'cannot be null (omit it to keep the current value)' };

const UpdateUserAttributeInput = builder.inputType('UpdateUserAttributeInput', {
  description: 'An omitted field stays unchanged; an explicit null clears it (where it may be null).',
  fields: (t) => ({
    userAttributeId: t.id({ required: true }),
    label: t.string(),
    defaultValue: t.string({ description: 'Checked against the attribute’s type.' }),
    valueIsHidden: t.boolean(),
    userCanView: t.boolean(),
    userCanEdit: t.boolean(),
    hiddenValueDomainWhitelist: t.string(),
  }),
  validate: z.looseObject({
    label: z.string(cannotClear).pipe(attributeLabelSchema).optional(),
    defaultValue: attributeValueSchema.nullish(),
    valueIsHidden: z.boolean(cannotClear).optional(),
    userCanView: z.boolean(cannotClear).optional(),
    userCanEdit: z.boolean(cannotClear).optional(),
    hiddenValueDomainWhitelist: domainWhitelistSchema.nullish(),
  }),
});

builder.mutationField('updateUserAttribute', (t) =>
  t.field({
    type: UserAttributePayload,
    args: { input: t.arg({ type: UpdateUserAttributeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { userAttributeId, ...changes } = input;
      const userAttribute = await updateUserAttribute(orgIdOf(ctx), String(userAttributeId), changes);
      return { userAttribute };
    },
  }),
);

const DeleteUserAttributeInput = builder.inputType('DeleteUserAttributeInput', {
  fields: (t) => ({ userAttributeId: t.id({ required: true }) }),
});

const DeleteUserAttributePayload = builder
  .objectRef<{ deletedUserAttributeId: string }>('DeleteUserAttributePayload')
  .implement({ fields: (t) => ({ deletedUserAttributeId: t.exposeID('deletedUserAttributeId') }) });

builder.mutationField('deleteUserAttribute', (t) =>
  t.field({
    type: DeleteUserAttributePayload,
    description: 'Deletes the attribute with every group and person value of it.',
    args: { input: t.arg({ type: DeleteUserAttributeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const id = String(input.userAttributeId);
      await deleteUserAttribute(orgIdOf(ctx), id);
      return { deletedUserAttributeId: id };
    },
  }),
);
