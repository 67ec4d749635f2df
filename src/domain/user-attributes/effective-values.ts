import { personGroupsLoader } from '../../loaders/person-groups.ts';
import { orgIdOf, type Reader } from '../../loaders/reader.ts';
import {
  groupAttributeValuesLoader,
  ownAttributeValuesLoader,
  userAttributesLoader,
} from '../../loaders/user-attributes.ts';
import { type ResolvedValue, type ResolveOptions, resolveValues } from './resolve.ts';

export interface EffectiveValuesOptions extends ResolveOptions {
  /** Only attributes end users may view (userCanView), for person tokens. */
  endUser?: boolean;
}

/**
 * A person's attribute values, through the request's DataLoaders: for a page of persons this costs one query for
 * the definitions, one for the groups, one for the own values and one for the groups' values, whatever its size.
 * The person must exist in the caller's organization (checked by the caller).
 */
export async function effectiveValues(
  ctx: Reader,
  personId: string,
  options: EffectiveValuesOptions = {},
): Promise<ResolvedValue[]> {
  const [attributes, groups, ownValues] = await Promise.all([
    userAttributesLoader(ctx).load(orgIdOf(ctx)),
    personGroupsLoader(ctx).load(personId),
    ownAttributeValuesLoader(ctx).load(personId),
  ]);
  const visible = options.endUser ? attributes.filter((attribute) => attribute.userCanView) : attributes;
  const groupValues = visible.length > 0 && groups.length > 0 ? await loadAll(ctx, groups) : [];
  return resolveValues(personId, visible, ownValues, groupValues, options);
}

async function loadAll(ctx: Reader, groups: string[]) {
  const perGroup = await groupAttributeValuesLoader(ctx).loadMany(groups);
  return perGroup.flatMap((rows) => {
    if (rows instanceof Error) throw rows;
    return rows;
  });
}
