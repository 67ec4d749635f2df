import { type Context, isEndUser, orgIdOf } from '../../context.ts';
import type { UserAttribute } from '../../db/client.ts';
import { effectiveValues } from '../../domain/user-attributes/effective-values.ts';
import type { ResolvedValue } from '../../domain/user-attributes/resolve.ts';
import { notFound } from '../../errors.ts';
import { personLoader } from '../../loaders/persons.ts';
import { builder } from '../builder.ts';
import { PersonRef } from '../persons/person-type.ts';
import { UserAttributeWithValueRef } from './types.ts';

/** The one entry for `attribute` after a write in this request: loaders forget what they read before it. */
export async function valueAfterWrite(
  ctx: Context,
  personId: string,
  attribute: UserAttribute,
): Promise<ResolvedValue> {
  ctx.loaders.clear();
  const [entry] = await effectiveValues(ctx, personId, { fields: [attribute.name], includeUnset: true });
  return entry ?? { attribute, personId, source: 'UNSET', value: null, rank: null, sourceGroup: null };
}

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
    resolve: async (_root, { userId, ...options }, ctx) => {
      const person = await personLoader(ctx).load(String(userId));
      if (!person) throw notFound('Person');
      return effectiveValues(ctx, person.id, options);
    },
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
      return effectiveValues(ctx, person.id, { ...options, endUser: isEndUser(ctx) });
    },
  }),
);
