import { orgIdOf, writerOf } from '../../context.ts';
import { deleteUserAttribute, updateUserAttribute } from '../../domain/user-attributes/definitions.ts';
import { updateUserAttributeInput } from '../../domain/user-attributes/inputs.ts';
import { userAttributeView } from '../../domain/user-attributes/views.ts';
import { builder } from '../builder.ts';
import { UserAttributePayload } from './create-user-attribute.ts';

const UpdateUserAttributeInput = builder.inputType('UpdateUserAttributeInput', {
  description:
    'An omitted field stays unchanged; an explicit null clears it: nullable fields become null, the flags their defaults (valueIsHidden false, userCanView true, userCanEdit false). The label cannot be cleared.',
  fields: (t) => ({
    userAttributeId: t.id({ required: true }),
    label: t.string(),
    defaultValue: t.string({ description: 'Checked against the attribute’s type.' }),
    valueIsHidden: t.boolean(),
    userCanView: t.boolean(),
    userCanEdit: t.boolean(),
    hiddenValueDomainWhitelist: t.string(),
  }),
  validate: updateUserAttributeInput,
});

builder.mutationField('updateUserAttribute', (t) =>
  t.field({
    type: UserAttributePayload,
    args: { input: t.arg({ type: UpdateUserAttributeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { userAttributeId, ...changes } = input;
      const userAttribute = await updateUserAttribute(orgIdOf(ctx), String(userAttributeId), changes);
      return { userAttribute: userAttributeView(userAttribute) };
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
      await deleteUserAttribute(writerOf(ctx), id);
      return { deletedUserAttributeId: id };
    },
  }),
);
