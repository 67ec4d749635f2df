import { personOf } from '../../context.ts';
import { effectiveValues } from '../../domain/user-attributes/effective-values.ts';
import { builder } from '../builder.ts';
import { UserAttributeWithValueRef } from './types.ts';

builder.queryField('myAttributeValues', (t) =>
  t.field({
    type: [UserAttributeWithValueRef],
    description: "Person token: the caller's effective values of the attributes users may view.",
    skipTypeScopes: true,
    authScopes: { personRead: true },
    args: { fields: t.arg.stringList({ description: 'Only these attribute names.' }) },
    resolve: (_root, { fields }, ctx) => effectiveValues(ctx, personOf(ctx).personId, { fields, endUser: true }),
  }),
);
