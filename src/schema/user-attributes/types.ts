import { userAttributeTypes } from '../../domain/user-attributes/values.ts';
import type { AttributeValueView, GroupValueView, UserAttributeView } from '../../domain/user-attributes/views.ts';
import { builder } from '../builder.ts';

// The domain's views already hide what a caller may not see (domain/user-attributes/views.ts): fields expose them.

export const UserAttributeTypeEnum = builder.enumType('UserAttributeType', { values: userAttributeTypes });
export const UserAttributeValueSourceEnum = builder.enumType('UserAttributeValueSource', {
  values: ['USER', 'GROUP', 'DEFAULT', 'UNSET'] as const,
});

export const UserAttributeRef = builder.objectRef<UserAttributeView>('UserAttribute').implement({
  description: 'A typed user attribute definition (Looker).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    label: t.exposeString('label'),
    type: t.field({ type: UserAttributeTypeEnum, resolve: (a) => a.type as (typeof userAttributeTypes)[number] }),
    defaultValue: t.exposeString('defaultValue', {
      nullable: true,
      description: 'Null when unset, and always null when valueIsHidden.',
    }),
    valueIsHidden: t.exposeBoolean('valueIsHidden'),
    userCanView: t.exposeBoolean('userCanView'),
    userCanEdit: t.exposeBoolean('userCanEdit'),
    hiddenValueDomainWhitelist: t.exposeString('hiddenValueDomainWhitelist', { nullable: true }),
  }),
});

export const UserAttributeGroupValueRef = builder.objectRef<GroupValueView>('UserAttributeGroupValue').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    group: t.exposeString('group'),
    userAttributeId: t.exposeID('userAttributeId'),
    value: t.exposeString('value', { nullable: true, description: 'Always null when the attribute hides its values.' }),
    rank: t.exposeInt('rank', { description: 'Lowest rank wins.' }),
  }),
});

export const UserAttributeWithValueRef = builder.objectRef<AttributeValueView>('UserAttributeWithValue').implement({
  description: "One of a person's attribute values and where it comes from.",
  fields: (t) => ({
    name: t.exposeString('name'),
    label: t.exposeString('label'),
    rank: t.exposeInt('rank', { nullable: true, description: 'The group rank for source GROUP, else null.' }),
    value: t.exposeString('value', {
      nullable: true,
      description: 'Null when unset, when the attribute hides its values, and for end users it may not show.',
    }),
    userId: t.exposeID('userId'),
    userCanEdit: t.exposeBoolean('userCanEdit'),
    valueIsHidden: t.exposeBoolean('valueIsHidden'),
    userAttributeId: t.exposeID('userAttributeId'),
    source: t.field({ type: UserAttributeValueSourceEnum, resolve: (v) => v.source }),
    sourceGroup: t.exposeString('sourceGroup', { nullable: true }),
    hiddenValueDomainWhitelist: t.exposeString('hiddenValueDomainWhitelist', { nullable: true }),
  }),
});
