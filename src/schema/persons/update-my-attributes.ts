import { z } from 'zod';
import { orgIdOf, personOf } from '../../context.ts';
import { mergeAttributes } from '../../domain/persons/attributes.ts';
import { bucketAttributesSchema } from '../../domain/persons/rules.ts';
import { builder, type JsonObject } from '../builder.ts';

/** The one bucket end users write (PACE "update the user's attributes"). */
export const endUserWritableBucket = 'end_user_read_write';

const UpdateMyAttributesInput = builder.inputType('UpdateMyAttributesInput', {
  fields: (t) => ({
    attributes: t.field({ type: 'JSONObject', required: true, description: '{ key: value }, merged.' }),
  }),
  validate: z.looseObject({ attributes: bucketAttributesSchema }),
});

const MyAttributesPayload = builder.objectRef<{ attributes: JsonObject }>('MyAttributesPayload').implement({
  fields: (t) => ({
    attributes: t.field({
      type: 'JSONObject',
      description: 'Your end_user_read_write bucket after the write.',
      resolve: (payload) => payload.attributes,
    }),
  }),
});

builder.mutationField('updateMyAttributes', (t) =>
  t.field({
    type: MyAttributesPayload,
    description: 'Person token with user:attributes:write: merges into your own end_user_read_write bucket.',
    skipTypeScopes: true,
    authScopes: { personWrite: true },
    args: { input: t.arg({ type: UpdateMyAttributesInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { attributes } = await mergeAttributes(
        orgIdOf(ctx),
        personOf(ctx).personId,
        endUserWritableBucket,
        input.attributes,
        null,
        true,
      );
      return { attributes };
    },
  }),
);
