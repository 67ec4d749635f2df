import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import type { UserAttribute } from '../../db/client.ts';
import { utf8Bytes } from '../../domain/ids.ts';
import { maxValueBytes } from '../../domain/json.ts';
import { createUserAttribute } from '../../domain/user-attributes/definitions.ts';
import {
  attributeLabelSchema,
  attributeNameSchema,
  attributeValueSchema,
  domainWhitelistSchema,
} from '../../domain/user-attributes/rules.ts';
import { valueProblem } from '../../domain/user-attributes/values.ts';
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
  validate: z
    .looseObject({
      name: attributeNameSchema,
      label: attributeLabelSchema,
      defaultValue: attributeValueSchema.nullish(),
      hiddenValueDomainWhitelist: domainWhitelistSchema.nullish(),
    })
    // The type is in the input, so the default can be checked against it here, with the other fields.
    .superRefine((input, ctx) => {
      const { type, defaultValue } = input as { type?: string; defaultValue?: string | null };
      // An oversized default is reported by its field rule already.
      const checkable = typeof defaultValue === 'string' && type && utf8Bytes(defaultValue) <= maxValueBytes;
      const problem = checkable ? valueProblem(type, defaultValue) : null;
      if (problem) ctx.addIssue({ code: 'custom', path: ['defaultValue'], message: problem });
    }),
});

export const UserAttributePayload = builder
  .objectRef<{ userAttribute: UserAttribute }>('UserAttributePayload')
  .implement({
    fields: (t) => ({ userAttribute: t.field({ type: UserAttributeRef, resolve: (p) => p.userAttribute }) }),
  });

builder.mutationField('createUserAttribute', (t) =>
  t.field({
    type: UserAttributePayload,
    args: { input: t.arg({ type: CreateUserAttributeInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const userAttribute = await createUserAttribute(orgIdOf(ctx), input);
      return { userAttribute };
    },
  }),
);
