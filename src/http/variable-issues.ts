import { type DocumentNode, GraphQLError, getOperationAST, Kind, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { InputIssue } from '../errors.ts';

/** graphql-js's message for a variable that does not fit its type (graphql 16, coerceVariableValues). */
const coercionMessage =
  /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value [\s\S]*?(?: at "[^".[]*((?:\.[^".[]+|\[\d+\])*)")?; ([\s\S]*)$/;
const fieldNamed = /^Field "([^"]+)" (?:of required type "[^"]+" was not provided|is not defined by type "[^"]+")/;

/** Where a variable is used: the argument it is passed to, then input-object fields and list positions. */
function usagePath(document: DocumentNode, operationName: string | null | undefined, variable: string): string[] {
  const operation = getOperationAST(document, operationName);
  const inValue = (value: ValueNode, path: string[]): string[] | null => {
    if (value.kind === Kind.VARIABLE) return value.name.value === variable ? path : null;
    if (value.kind === Kind.OBJECT) {
      for (const field of value.fields) {
        const found = inValue(field.value, [...path, field.name.value]);
        if (found) return found;
      }
    }
    if (value.kind === Kind.LIST) {
      for (const [index, item] of value.values.entries()) {
        const found = inValue(item, [...path, String(index)]);
        if (found) return found;
      }
    }
    return null;
  };
  const stack = [...(operation?.selectionSet.selections ?? [])];
  while (stack.length > 0) {
    const selection = stack.shift();
    if (!selection || selection.kind === Kind.FRAGMENT_SPREAD) continue;
    if (selection.kind === Kind.FIELD) {
      for (const argument of selection.arguments ?? []) {
        const found = inValue(argument.value, [argument.name.value]);
        if (found) return found;
      }
    }
    stack.push(...(selection.selectionSet?.selections ?? []));
  }
  return [variable];
}

/** The issue a variable coercion error stands for, with its path rooted at the argument (CONTRACT §3). */
function issueOf(error: GraphQLError, document: DocumentNode, operationName?: string | null): InputIssue | null {
  const match = coercionMessage.exec(error.message);
  if (!match) return null;
  const [, variable = '', inside = '', detail = ''] = match;
  const insidePath = [...inside.matchAll(/\.([^".[]+)|\[(\d+)\]/g)].map((part) => part[1] ?? part[2] ?? '');
  const field = fieldNamed.exec(detail)?.[1];
  return {
    path: [...usagePath(document, operationName, variable), ...insidePath, ...(field ? [field] : [])],
    message: detail,
  };
}

/**
 * A variable whose value does not fit its declared type is bad input like any other: BAD_USER_INPUT with
 * `extensions.issues` naming the offending path from the argument, e.g. ["input", "values", "0", "rank"].
 */
export function variableIssuesPlugin(): Plugin {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length || result.data !== undefined) return;
          const errors = result.errors.map((error) => {
            const issue = issueOf(error, args.document, args.operationName);
            if (!issue) return error;
            return new GraphQLError(error.message, {
              nodes: error.nodes,
              extensions: { code: 'BAD_USER_INPUT', issues: [issue] },
            });
          });
          setResult({ ...result, errors });
        },
      };
    },
  };
}
