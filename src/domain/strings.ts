import type { InputIssue } from '../errors.ts';

/** U+0000 or a UTF-16 surrogate without its pair: refused in every string input (CONTRACT §3). */
export function unsafeStringReason(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain U+0000';
  if (!value.isWellFormed()) return 'must not contain a lone surrogate';
  return null;
}

interface Visit {
  value: unknown;
  key: string;
  parent: Visit | null;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let node: Visit | null = visit; node; node = node.parent) path.push(node.key);
  return path.reverse();
}

/**
 * Every string (object keys included) in an argument value that contains NUL or a lone surrogate, with its
 * path from `rootKey`. Walks with an explicit stack: a JSON variable nested 100,000 levels deep fits in a
 * request body and must get BAD_USER_INPUT, not a stack overflow.
 */
export function findUnsafeStrings(root: unknown, rootKey: string, limit = 20): InputIssue[] {
  const issues: InputIssue[] = [];
  const stack: Visit[] = [{ value: root, key: rootKey, parent: null }];
  while (stack.length > 0 && issues.length < limit) {
    const visit = stack.pop() as Visit;
    const { value } = visit;
    if (typeof value === 'string') {
      const reason = unsafeStringReason(value);
      if (reason) issues.push({ path: pathOf(visit), message: reason });
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) {
        stack.push({ value: value[index], key: String(index), parent: visit });
      }
    } else if (value && typeof value === 'object' && !(value instanceof Date)) {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, item] = entries[index] as [string, unknown];
        const reason = unsafeStringReason(key);
        if (reason) issues.push({ path: [...pathOf(visit), key], message: `key ${reason}` });
        stack.push({ value: item, key, parent: visit });
      }
    }
  }
  return issues.slice(0, limit);
}
