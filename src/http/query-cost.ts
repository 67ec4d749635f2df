import {
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** CONTRACT §8 "query cost": an operation's worst-case node count, ATTRQL_MAX_QUERY_NODES (default 25,000). */
export function maxQueryNodes(): number {
  const raw = process.env.ATTRQL_MAX_QUERY_NODES;
  if (raw === undefined || raw === '') return 25_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`ATTRQL_MAX_QUERY_NODES must be a whole number of at least 1, got "${raw}"`);
  return value;
}

/** What a list without `first` counts as. */
export const unpagedListNodes = 100;

/**
 * The worst-case number of nodes an operation can return: each connection (a field with `first`) counts `first`
 * nodes, each list of objects without `first` 100, multiplied by what the fields above it count, summed over every
 * field and alias. A connection's own `edges`/`nodes` are the nodes it counted. `first` as a variable counts with
 * the variable's value (or its default, or the argument's). Fragments count where they are spread; a fragment's
 * cost is computed once (it scales with what is above it), and one spread inside itself counts nothing (validation
 * refuses such cycles anyway).
 */
export function queryNodes(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  const fragmentCost = new Map<string, number>();
  const inProgress = new Set<string>();

  /** The `first` a field is asked for, or null when it takes none. */
  const firstOf = (
    field: GraphQLField<unknown, unknown>,
    args: readonly { name: { value: string }; value: ValueNode }[],
  ) => {
    const def = field.args.find((arg) => arg.name === 'first');
    if (!def) return null;
    const fallback = typeof def.defaultValue === 'number' ? def.defaultValue : unpagedListNodes;
    const node = args.find((arg) => arg.name.value === 'first')?.value;
    const numberIn = (value: ValueNode | undefined): number | null => {
      if (!value) return null;
      if (value.kind === Kind.INT) return Number(value.value);
      if (value.kind === Kind.VARIABLE) {
        const given = variables[value.name.value];
        if (typeof given === 'number') return given;
        return given === undefined ? numberIn(variableDefaults.get(value.name.value)) : null;
      }
      return null;
    };
    // A negative or absurd `first` is the field's own error; here it counts as at least nothing.
    return Math.max(0, numberIn(node) ?? fallback);
  };

  /** Nodes under one selection set, per node of its parent (the caller multiplies). */
  const costOf = (selectionSet: SelectionSetNode, parent: GraphQLNamedType): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const type = getNamedType(field.type);
        const first = firstOf(field, selection.arguments ?? []);
        const isList = isListType(getNullableType(field.type)) && isCompositeType(type);
        const connectionItems =
          parent.name.endsWith('Connection') && (field.name === 'edges' || field.name === 'nodes');
        const nodes = first ?? (isList && !connectionItems ? unpagedListNodes : null);
        const below = selection.selectionSet ? costOf(selection.selectionSet, type) : 0;
        total += nodes === null ? below : nodes + nodes * below;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += costOf(selection.selectionSet, type ?? parent);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || inProgress.has(name)) continue;
        let cost = fragmentCost.get(name);
        if (cost === undefined) {
          inProgress.add(name);
          cost = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? parent);
          inProgress.delete(name);
          fragmentCost.set(name, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  const root = schema.getRootType(operation.operation);
  return root ? costOf(operation.selectionSet, root) : 0;
}

/**
 * Refuses an operation over the node limit before anything runs (before authentication too, like the depth,
 * alias and token limits): a GraphQL validation error. Runs where the variables are known, so `first: $n`
 * counts with its value (a validation rule would be cached per document, whatever the variables).
 */
export function queryCostPlugin(limit = maxQueryNodes()): Plugin {
  const refusal = (args: ExecutionArgs): GraphQLError | null => {
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return null;
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const nodes = queryNodes(args.schema, args.document, operation, variables);
    if (nodes <= limit) return null;
    return new GraphQLError(
      `Query cost limit of ${limit} nodes exceeded: this operation can return ${nodes} (each connection's first, or 100 for a list without one, multiplied along its path).`,
      { nodes: [operation], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', queryNodes: nodes, limit } },
    );
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
