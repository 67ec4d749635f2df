import { z } from 'zod';
import { codePoints, utf8Bytes } from '../ids.ts';
import { maxValueBytes } from '../json.ts';

/** A string schema that reports only the first rule it breaks, so each field gets one issue. */
function stringRules(rules: [(value: string) => boolean, string][]) {
  return z.string().superRefine((value, ctx) => {
    const broken = rules.find(([holds]) => !holds(value));
    if (broken) ctx.addIssue({ code: 'custom', message: broken[1] });
  });
}

const withinBytes = (value: string) => utf8Bytes(value) <= maxValueBytes;

/** Attribute names: 1–255 characters, a lower-case letter then lower-case letters, digits and underscores. */
export const attributeNameSchema = stringRules([
  [(name) => codePoints(name) >= 1 && codePoints(name) <= 255, 'must be 1–255 characters'],
  [(name) => /^[a-z][a-z0-9_]*$/.test(name), 'must match ^[a-z][a-z0-9_]*$'],
]);

/** Labels: 1–255 characters. */
export const attributeLabelSchema = stringRules([
  [(label) => codePoints(label) >= 1 && codePoints(label) <= 255, 'must be 1–255 characters'],
]);

/** A value of any type: at most 64 KiB; the per-type check needs the attribute's type (values.ts). */
export const attributeValueSchema = stringRules([[withinBytes, `must be at most ${maxValueBytes} bytes`]]);

/** The hidden-value domain whitelist is free text, bounded like a value. */
export const domainWhitelistSchema = stringRules([[withinBytes, `must be at most ${maxValueBytes} bytes`]]);

/** Group names follow the persons' rule (CONTRACT §5): one definition for both. */
export { groupNameSchema } from '../persons/rules.ts';
