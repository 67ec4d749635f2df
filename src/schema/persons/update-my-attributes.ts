import { principalOf } from '../../context.ts';
import type { JsonObject } from '../../domain/json.ts';
import { myAttributesInput } from '../../domain/persons/inputs.ts';
import { updateMyAttributes } from '../../domain/persons/my-attributes.ts';
import { builder } from '../builder.ts';

const UpdateMyAttributesInput = builder.inputType('UpdateMyAttributesInput', {
  fields: (t) => ({
    attributes: t.field({ type: 'JSONObject', required: true, description: '{ key: value }, merged.' }),
  }),
  validate: myAttributesInput,
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
    resolve: async (_root, { input }, ctx) => ({
      attributes: await updateMyAttributes(principalOf(ctx), input.attributes),
    }),
  }),
);
