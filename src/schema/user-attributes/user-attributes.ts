import { orgIdOf } from '../../context.ts';
import { userAttributesLoader } from '../../loaders/user-attributes.ts';
import { builder } from '../builder.ts';
import { UserAttributeRef } from './types.ts';

builder.queryField('userAttributes', (t) =>
  t.field({
    type: [UserAttributeRef],
    description: "The organization's user attributes, by name.",
    resolve: (_root, _args, ctx) => userAttributesLoader(ctx).load(orgIdOf(ctx)),
  }),
);
