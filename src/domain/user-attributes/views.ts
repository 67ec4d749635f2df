import type { UserAttribute, UserAttributeGroupValue } from '../../db/client.ts';
import type { ResolvedValue, ValueSource } from './resolve.ts';

/**
 * What callers may see of user attributes, as plain data for both transports. Value hiding lives here, once:
 * `valueIsHidden` nulls every value for every caller; end users see no value of an attribute they may not view.
 */

export interface UserAttributeView {
  id: string;
  name: string;
  label: string;
  type: string;
  defaultValue: string | null;
  valueIsHidden: boolean;
  userCanView: boolean;
  userCanEdit: boolean;
  hiddenValueDomainWhitelist: string | null;
}

export interface GroupValueView {
  id: string;
  group: string;
  userAttributeId: string;
  value: string | null;
  rank: number;
}

export interface AttributeValueView {
  name: string;
  label: string;
  rank: number | null;
  value: string | null;
  userId: string;
  userCanEdit: boolean;
  valueIsHidden: boolean;
  userAttributeId: string;
  source: ValueSource;
  sourceGroup: string | null;
  hiddenValueDomainWhitelist: string | null;
}

export function userAttributeView(attribute: UserAttribute): UserAttributeView {
  const { id, name, label, type, valueIsHidden, userCanView, userCanEdit, hiddenValueDomainWhitelist } = attribute;
  const defaultValue = valueIsHidden ? null : attribute.defaultValue;
  return { id, name, label, type, defaultValue, valueIsHidden, userCanView, userCanEdit, hiddenValueDomainWhitelist };
}

export function groupValueView(row: UserAttributeGroupValue, attribute: UserAttribute): GroupValueView {
  const value = attribute.valueIsHidden ? null : row.value;
  return { id: row.id, group: row.groupName, userAttributeId: row.userAttributeId, value, rank: row.rank };
}

/** One resolved value as a caller sees it; `endUser`: the caller is a person token. */
export function attributeValueView(resolved: ResolvedValue, endUser: boolean): AttributeValueView {
  const { attribute } = resolved;
  const hidden = attribute.valueIsHidden || (endUser && !attribute.userCanView);
  return {
    name: attribute.name,
    label: attribute.label,
    rank: resolved.rank,
    value: hidden ? null : resolved.value,
    userId: resolved.personId,
    userCanEdit: attribute.userCanEdit,
    valueIsHidden: attribute.valueIsHidden,
    userAttributeId: attribute.id,
    source: resolved.source,
    sourceGroup: resolved.sourceGroup,
    hiddenValueDomainWhitelist: attribute.hiddenValueDomainWhitelist,
  };
}
