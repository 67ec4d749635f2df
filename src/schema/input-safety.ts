import type { InputIssue } from '../errors.ts';

/** U+0000 or a UTF-16 surrogate without its pair: refused in every string input (CONTRACT §3). */
export function unsafeStringReason(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain U+0000';
  if (!value.isWellFormed()) return 'must not contain a lone surrogate';
  return null;
}

/** Every string (object keys included) in an argument value that contains NUL or a lone surrogate. */
export function findUnsafeStrings(value: unknown, path: string[], issues: InputIssue[] = []): InputIssue[] {
  if (issues.length >= 20) return issues;
  if (typeof value === 'string') {
    const reason = unsafeStringReason(value);
    if (reason) issues.push({ path, message: reason });
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) findUnsafeStrings(item, [...path, String(index)], issues);
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const reason = unsafeStringReason(key);
      if (reason) issues.push({ path: [...path, key], message: `key ${reason}` });
      findUnsafeStrings(item, [...path, key], issues);
    }
  }
  return issues;
}
