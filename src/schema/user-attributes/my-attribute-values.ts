import { personOf } from '../../context.ts';
import { valuesOfPerson } from '../../domain/user-attributes/attribute-values.ts';
import { builder } from '../builder.ts';
import { UserAttributeWithValueRef } from './types.ts';

builder.queryField('myAttributeValues', (t) =>
  t.field({
    type: [UserAttributeWithValueRef],
    description: "Person token: the caller's effective values of the attributes users may view.",
    skipTypeScopes: true,
    authScopes: { personRead: true },
    args: { fields: t.arg.stringList({ description: 'Only these attribute names.' }) },
    resolve: (_root, { fields }, ctx) => valuesOfPerson(ctx, personOf(ctx).personId, { fields }),
  }),
);
