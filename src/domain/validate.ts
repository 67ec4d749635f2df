import type { z } from 'zod';
import { badInput, type InputIssue } from '../errors.ts';
import { findUnsafeStrings } from './strings.ts';

/**
 * Checks an operation's input against the schema its GraphQL input type also validates with, for callers that
 * do not go through GraphQL (the REST endpoints): the same rules, so the same values pass and fail. Strings with
 * U+0000 or a lone surrogate are refused first, as the GraphQL request guard does. Issue paths are rooted at
 * the input object. Returns the parsed input.
 */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const unsafe = findUnsafeStrings(input, '').map((issue) => ({ ...issue, path: issue.path.slice(1) }));
  if (unsafe.length > 0) throw badInput(unsafe);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw badInput(
    result.error.issues.map(
      (issue): InputIssue => ({ path: issue.path.map((segment) => String(segment)), message: issue.message }),
    ),
  );
}
