import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { badInput } from '../errors.ts';
import { findUnsafeStrings } from './input-safety.ts';

/**
 * Refuses, for every field with arguments, any string argument value (at any depth, keys included) that holds
 * U+0000 or a lone surrogate, before validation or the resolver runs. Applied to all fields so no new field
 * can forget it.
 */
class StringSafetyPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    return (parent, args, context, info) => {
      const issues = Object.entries(args).flatMap(([name, value]) => findUnsafeStrings(value, [name]));
      if (issues.length > 0) throw badInput(issues);
      return resolver(parent, args, context, info);
    };
  }
}

const pluginName = 'stringSafety';
declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      stringSafety: StringSafetyPlugin<Types>;
    }
  }
}
SchemaBuilder.registerPlugin(pluginName, StringSafetyPlugin);
export default pluginName;
