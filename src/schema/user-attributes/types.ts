import { isEndUser } from '../../context.ts';
import type { UserAttribute, UserAttributeGroupValue } from '../../db/client.ts';
import type { ResolvedValue } from '../../domain/user-attributes/resolve.ts';
import { userAttributeTypes } from '../../domain/user-attributes/values.ts';
import { builder } from '../builder.ts';

export const UserAttributeTypeEnum = builder.enumType('UserAttributeType', { values: userAttributeTypes });
export const UserAttributeValueSourceEnum = builder.enumType('UserAttributeValueSource', {
  values: ['USER', 'GROUP', 'DEFAULT', 'UNSET'] as const,
});

export const UserAttributeRef = builder.objectRef<UserAttribute>('UserAttribute').implement({
  description: 'A typed user attribute definition (Looker).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    label: t.exposeString('label'),
    type: t.field({ type: UserAttributeTypeEnum, resolve: (a) => a.type as (typeof userAttributeTypes)[number] }),
    defaultValue: t.string({
      nullable: true,
      description: 'Null when unset, and always null when valueIsHidden.',
      resolve: (a) => (a.valueIsHidden ? null : a.defaultValue),
    }),
    valueIsHidden: t.exposeBoolean('valueIsHidden'),
    userCanView: t.exposeBoolean('userCanView'),
    userCanEdit: t.exposeBoolean('userCanEdit'),
    hiddenValueDomainWhitelist: t.exposeString('hiddenValueDomainWhitelist', { nullable: true }),
  }),
});

/** A group value together with its attribute, which decides whether the value may be shown. */
export interface GroupValueView {
  row: UserAttributeGroupValue;
  attribute: UserAttribute;
}

export const UserAttributeGroupValueRef = builder.objectRef<GroupValueView>('UserAttributeGroupValue').implement({
  fields: (t) => ({
    id: t.id({ resolve: (v) => v.row.id }),
    group: t.string({ resolve: (v) => v.row.groupName }),
    userAttributeId: t.id({ resolve: (v) => v.row.userAttributeId }),
    value: t.string({
      nullable: true,
      description: 'Always null when the attribute hides its values.',
      resolve: (v) => (v.attribute.valueIsHidden ? null : v.row.value),
    }),
    rank: t.int({ description: 'Lowest rank wins.', resolve: (v) => v.row.rank }),
  }),
});

export const UserAttributeWithValueRef = builder.objectRef<ResolvedValue>('UserAttributeWithValue').implement({
  description: "One of a person's attribute values and where it comes from.",
  fields: (t) => ({
    name: t.string({ resolve: (v) => v.attribute.name }),
    label: t.string({ resolve: (v) => v.attribute.label }),
    rank: t.int({ nullable: true, description: 'The group rank for source GROUP, else null.', resolve: (v) => v.rank }),
    value: t.string({
      nullable: true,
      description: 'Null when unset, when the attribute hides its values, and for end users it may not show.',
      resolve: (v, _args, ctx) =>
        v.attribute.valueIsHidden || (isEndUser(ctx) && !v.attribute.userCanView) ? null : v.value,
    }),
    userId: t.id({ resolve: (v) => v.personId }),
    userCanEdit: t.boolean({ resolve: (v) => v.attribute.userCanEdit }),
    valueIsHidden: t.boolean({ resolve: (v) => v.attribute.valueIsHidden }),
    userAttributeId: t.id({ resolve: (v) => v.attribute.id }),
    source: t.field({ type: UserAttributeValueSourceEnum, resolve: (v) => v.source }),
    sourceGroup: t.string({ nullable: true, resolve: (v) => v.sourceGroup }),
    hiddenValueDomainWhitelist: t.string({ nullable: true, resolve: (v) => v.attribute.hiddenValueDomainWhitelist }),
  }),
});
