import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import {
  type AttributeGroupValues,
  listGroupValues,
  setGroupValues,
} from '../../domain/user-attributes/group-values.ts';
import { attributeValueSchema, groupNameSchema } from '../../domain/user-attributes/rules.ts';
import { builder } from '../builder.ts';
import { type GroupValueView, UserAttributeGroupValueRef } from './types.ts';

const views = ({ attribute, values }: AttributeGroupValues): GroupValueView[] =>
  values.map((row) => ({ row, attribute }));

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

type Entry = { group?: unknown; rank?: unknown };

const SetUserAttributeGroupValuesInput = builder.inputType('SetUserAttributeGroupValuesInput', {
  fields: (t) => ({
    userAttributeId: t.id({ required: true }),
    values: t.field({ type: [GroupValueInput], required: true }),
  }),
  validate: z
    .looseObject({
      values: z.array(
        z.looseObject({
          group: groupNameSchema,
          value: attributeValueSchema,
          rank: z.number().int().min(1).max(2_147_483_647).nullish(),
        }),
      ),
    })
    // Ranks must be all given or all omitted, and ranks and groups unique: each offender is named.
    .superRefine((input, ctx) => {
      const entries = (input.values ?? []) as Entry[];
      const ranked = entries.filter((entry) => entry.rank != null).length;
      if (ranked > 0 && ranked < entries.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['values'],
          message: 'give a rank on every entry or on none (then the array order is the rank)',
        });
      }
      const seenRanks = new Set<unknown>();
      const seenGroups = new Set<unknown>();
      for (const [index, entry] of entries.entries()) {
        if (entry.rank != null && seenRanks.has(entry.rank)) {
          ctx.addIssue({
            code: 'custom',
            path: ['values', index, 'rank'],
            message: `rank ${entry.rank} is taken twice`,
          });
        }
        if (seenGroups.has(entry.group)) {
          ctx.addIssue({ code: 'custom', path: ['values', index, 'group'], message: 'this group is listed twice' });
        }
        seenRanks.add(entry.rank);
        seenGroups.add(entry.group);
      }
    }),
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
