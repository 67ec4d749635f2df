import { badInput, type InputIssue } from '../errors.ts';
import { longerThan, maxStringChars } from '../schema/string-bounds.ts';
import type { RestRoute } from './endpoint.ts';

/** A key as an issue path shows it: long ones cut, so the error does not echo a megabyte back. */
const shown = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key);

/**
 * CONTRACT §8 "string arguments" for the REST dialects: every path parameter, every item of a query parameter the
 * route reads (comma lists item by item) and every key of a JSON object body is at most 255 characters. Values in
 * the body are the domain's to check (attribute values, uuid metadata and user attribute values have their own
 * bounds). Throws BAD_USER_INPUT naming each offender.
 */
export function checkRestStrings(route: RestRoute, params: Record<string, string>, url: URL, body: unknown): void {
  const issues: InputIssue[] = [];
  const tooLong = `must be at most ${maxStringChars} characters`;
  for (const [name, value] of Object.entries(params)) {
    if (longerThan(value, maxStringChars)) issues.push({ path: [name], message: tooLong });
  }
  for (const name of Object.keys(route.query ?? {})) {
    url.searchParams
      .getAll(name)
      .flatMap((list) => list.split(','))
      .forEach((item, index) => {
        if (longerThan(item, maxStringChars)) issues.push({ path: [name, String(index)], message: tooLong });
      });
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const key of Object.keys(body)) {
      if (longerThan(key, maxStringChars)) issues.push({ path: [shown(key)], message: `key ${tooLong}` });
    }
  }
  if (issues.length > 0) throw badInput(issues.slice(0, 20));
}
