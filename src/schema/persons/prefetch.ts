import { type FieldNode, type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { type Context, orgIdOf } from '../../context.ts';
import { orgBuckets } from '../../loaders/buckets.ts';
import { personAttributesLoader } from '../../loaders/person-attributes.ts';
import { personGroupsLoader } from '../../loaders/person-groups.ts';
import { ownAttributeValuesLoader, userAttributesLoader } from '../../loaders/user-attributes.ts';

/** The names of the fields selected on the result of this field, through inline fragments and fragment spreads. */
function selectedFields(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const visit = (set: SelectionSetNode | undefined, depth: number) => {
    if (!set || depth > 5) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet, depth + 1);
      else visit(info.fragments[selection.name.value]?.selectionSet, depth + 1);
    }
  };
  for (const node of info.fieldNodes as FieldNode[]) visit(node.selectionSet, 0);
  return names;
}

const ignore = () => {};

/**
 * Starts the reads a person's selected fields will need in the same turn as the person's own read, so they go to
 * the database together (one round trip) instead of after it. The fields' resolvers get the same loads from the
 * request's DataLoaders; a read started for a person that turns out not to exist finds nothing and costs little.
 */
export function prefetchPersonFields(ctx: Context, personId: string, info: GraphQLResolveInfo): void {
  const fields = selectedFields(info);
  if (fields.has('attributes') || fields.has('bucket')) {
    personAttributesLoader(ctx).load(personId).catch(ignore);
    orgBuckets(ctx).catch(ignore);
  }
  if (fields.has('attributeValues')) {
    userAttributesLoader(ctx).load(orgIdOf(ctx)).catch(ignore);
    personGroupsLoader(ctx).load(personId).catch(ignore);
    ownAttributeValuesLoader(ctx).load(personId).catch(ignore);
  }
}
