import { orgIdOf } from '../../context.ts';
import {
  type AttributeGroupValues,
  listGroupValues,
  setGroupValues,
} from '../../domain/user-attributes/group-values.ts';
import { groupValuesInput } from '../../domain/user-attributes/inputs.ts';
import { type GroupValueView, groupValueView } from '../../domain/user-attributes/views.ts';
import { builder } from '../builder.ts';
import { UserAttributeGroupValueRef } from './types.ts';

const views = ({ attribute, values }: AttributeGroupValues): GroupValueView[] =>
  values.map((row) => groupValueView(row, attribute));

builder.queryField('userAttributeGroupValues', (t) =>
  t.field({
    type: [UserAttributeGroupValueRef],
    description: "The attribute's group values in precedence order (lowest rank first).",
    args: { userAttributeId: t.arg.id({ required: true }) },
    resolve: async (_root, { userAttributeId }, ctx) =>
      views(await listGroupValues(orgIdOf(ctx), String(userAttributeId))),
  }),
);

const GroupValueInput = builder.inputType('GroupValueInput', {
  fields: (t) => ({
    group: t.string({ required: true }),
    value: t.string({ required: true, description: 'Checked against the attribute’s type.' }),
    rank: t.int({ description: '1–2147483647, lowest wins; give it on every entry or on none (then order = rank).' }),
  }),
});

const SetUserAttributeGroupValuesInput = builder.inputType('SetUserAttributeGroupValuesInput', {
  fields: (t) => ({
    userAttributeId: t.id({ required: true }),
    values: t.field({ type: [GroupValueInput], required: true }),
  }),
  validate: groupValuesInput,
});

const UserAttributeGroupValuesPayload = builder
  .objectRef<{ values: GroupValueView[] }>('UserAttributeGroupValuesPayload')
  .implement({
    fields: (t) => ({ values: t.field({ type: [UserAttributeGroupValueRef], resolve: (p) => p.values }) }),
  });

builder.mutationField('setUserAttributeGroupValues', (t) =>
  t.field({
    type: UserAttributeGroupValuesPayload,
    description: 'Replaces every group value of the attribute; returns them in precedence order.',
    args: { input: t.arg({ type: SetUserAttributeGroupValuesInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const result = await setGroupValues(orgIdOf(ctx), String(input.userAttributeId), input.values);
      return { values: views(result) };
    },
  }),
);
