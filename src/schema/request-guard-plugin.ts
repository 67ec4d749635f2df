import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver, GraphQLResolveInfo } from 'graphql';
import { type AuthScopes, scopesOf } from '../auth/scopes.ts';
import type { Context } from '../context.ts';
import { findUnsafeStrings } from '../domain/strings.ts';
import { badInput, forbidden } from '../errors.ts';
import { findOverlongStrings } from './string-bounds.ts';

type Resolver<Types extends SchemaTypes> = GraphQLFieldResolver<unknown, Types['Context'], object>;

/**
 * Runs before argument validation (Pothos runs validation before scope-auth's checks), so that:
 * 1. a caller who may not use a root field gets FORBIDDEN whatever its input — a person token must not learn
 *    anything from an admin operation's validation — using the same scopes scope-auth enforces afterwards;
 * 2. any string argument value (at any depth, keys included) with U+0000 or a lone surrogate, and any String/ID
 *    value over its length bound (string-bounds.ts), is refused before validation or the resolver sees it.
 * It also empties the request's DataLoader caches once a mutation has written, so the payload's fields read
 * what is stored now, not what an earlier field of the same request loaded.
 */
class RequestGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapArgMappers(resolver: Resolver<Types>, fieldConfig: PothosOutputFieldConfig<Types>): Resolver<Types> {
    // A subscription's root field is checked once, when subscribing (wrapSubscribe); its resolver maps each event.
    if (fieldConfig.parentType === 'Subscription') return resolver;
    const guard = guardOf(fieldConfig);
    const isMutation = fieldConfig.parentType === 'Mutation';
    if (!guard) return resolver;
    return (parent, args, context, info) => {
      guard(args, context as Context, info);
      if (!isMutation) return resolver(parent, args, context, info);
      return Promise.resolve(resolver(parent, args, context, info)).then((result) => {
        (context as Context).loaders.clear();
        return result;
      });
    };
  }

  override wrapSubscribe(
    subscribe: Resolver<Types> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): Resolver<Types> | undefined {
    const guard = guardOf(fieldConfig);
    if (!subscribe || !guard) return subscribe;
    return (parent, args, context, info) => {
      guard(args, context as Context, info);
      return subscribe(parent, args, context, info);
    };
  }
}

/** The checks a field needs before anything else runs, or null when it needs none. */
function guardOf<Types extends SchemaTypes>(
  fieldConfig: PothosOutputFieldConfig<Types>,
): ((args: object, context: Context, info: GraphQLResolveInfo) => void) | null {
  const isRoot = ['Query', 'Mutation', 'Subscription'].includes(fieldConfig.parentType);
  const options = fieldConfig.pothosOptions as { skipTypeScopes?: boolean; authScopes?: Partial<AuthScopes> };
  // Root fields need `org` unless they replace the type's scopes with their own (see builder.ts).
  const required: Partial<AuthScopes> | null = !isRoot
    ? null
    : options.skipTypeScopes && typeof options.authScopes === 'object'
      ? options.authScopes
      : { org: true };
  const hasArgs = Object.keys(fieldConfig.args).length > 0;
  if (!required && !hasArgs) return null;
  return (args, context, info) => {
    if (required) {
      const granted = scopesOf(context.principal);
      const allowed = (Object.keys(required) as (keyof AuthScopes)[]).some(
        (scope) => required[scope] && granted[scope],
      );
      if (!allowed) throw forbidden('This credential cannot use this operation.');
    }
    if (hasArgs) {
      const issues = Object.entries(args).flatMap(([name, value]) => findUnsafeStrings(value, name));
      if (issues.length > 0) throw badInput(issues);
      const defs = info.parentType.getFields()[info.fieldName]?.args ?? [];
      const overlong = findOverlongStrings(args as Record<string, unknown>, defs);
      if (overlong.length > 0) throw badInput(overlong);
    }
  };
}

const pluginName = 'requestGuard';
declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      requestGuard: RequestGuardPlugin<Types>;
    }
  }
}
SchemaBuilder.registerPlugin(pluginName, RequestGuardPlugin);
export default pluginName;
