import { orgIdOf } from '../../context.ts';
import { userAttributeValues, valuesOfPerson } from '../../domain/user-attributes/attribute-values.ts';
import { builder } from '../builder.ts';
import { PersonRef } from '../persons/person-type.ts';
import { UserAttributeWithValueRef } from './types.ts';

builder.queryField('userAttributeValues', (t) =>
  t.field({
    type: [UserAttributeWithValueRef],
    description: "A person's attribute values by name: by default the effective one of each attribute.",
    args: {
      userId: t.arg.id({ required: true, description: 'A person id.' }),
      fields: t.arg.stringList({ description: 'Only these attribute names.' }),
      allValues: t.arg.boolean({ defaultValue: false, description: 'Every value on the search path.' }),
      includeUnset: t.arg.boolean({ defaultValue: false, description: 'UNSET entries for attributes without value.' }),
    },
    resolve: (_root, { userId, ...options }, ctx) => userAttributeValues(ctx, String(userId), options),
  }),
);

builder.objectField(PersonRef, 'attributeValues', (t) =>
  t.field({
    type: [UserAttributeWithValueRef],
    description: 'Typed user attribute values (Looker precedence); person tokens see userCanView attributes only.',
    args: {
      fields: t.arg.stringList({ description: 'Only these attribute names.' }),
      allValues: t.arg.boolean({ defaultValue: false, description: 'Every value on the search path.' }),
      includeUnset: t.arg.boolean({ defaultValue: false, description: 'UNSET entries for attributes without value.' }),
    },
    resolve: (person, options, ctx) => {
      // Person objects are always of the caller's organization (loaded scoped by it).
      if (person.orgId !== orgIdOf(ctx)) return [];
      return valuesOfPerson(ctx, person.id, options);
    },
  }),
);
