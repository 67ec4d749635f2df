import { listUserAttributes } from '../../domain/user-attributes/attribute-values.ts';
import { builder } from '../builder.ts';
import { UserAttributeRef } from './types.ts';

builder.queryField('userAttributes', (t) =>
  t.field({
    type: [UserAttributeRef],
    description: "The organization's user attributes, by name.",
    resolve: (_root, _args, ctx) => listUserAttributes(ctx),
  }),
);
