import {
  type GraphQLArgument,
  type GraphQLInputType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { maxEmailChars } from '../domain/email.ts';
import { maxValueBytes } from '../domain/json.ts';
import type { InputIssue } from '../errors.ts';

/** CONTRACT §8: every `String`/`ID` argument and variable is at most this many characters… */
export const maxStringChars = 255;

/**
 * …unless its own section names another bound: those fields are checked by their own rule (in the domain, with
 * the input's other rules, so every offending field is reported at once), not here. Keyed "InputType.field";
 * the number is that rule's bound, for reference (user attribute values: 65,536 bytes).
 */
export const longerStringBounds: Readonly<Record<string, number>> = {
  // §5: emails are ≤ 320 characters (a handle's value, and the handle a filter names).
  'HandleInput.value': maxEmailChars,
  'PersonFilter.handle': maxEmailChars,
  // §6: uuid metadata.
  'SetUuidMetadataInput.name': 2048,
  'SetUuidMetadataInput.externalId': 2048,
  'SetUuidMetadataInput.profileUrl': 2048,
  'SetUuidMetadataInput.email': maxEmailChars,
  // §7: user attribute values, defaults and group values.
  'SetUserAttributeValueInput.value': maxValueBytes,
  'SetMyUserAttributeValueInput.value': maxValueBytes,
  'GroupValueInput.value': maxValueBytes,
  'CreateUserAttributeInput.defaultValue': maxValueBytes,
  'UpdateUserAttributeInput.defaultValue': maxValueBytes,
  'CreateUserAttributeInput.hiddenValueDomainWhitelist': maxValueBytes,
  'UpdateUserAttributeInput.hiddenValueDomainWhitelist': maxValueBytes,
};

/** True when `value` has more than `max` code points (counted without copying the string). */
export function longerThan(value: string, max: number): boolean {
  if (value.length <= max) return false;
  let count = 0;
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    // A high surrogate followed by a low one is one code point.
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < value.length) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    count += 1;
    if (count > max) return true;
  }
  return false;
}

const boundedScalars = new Set(['String', 'ID']);

/**
 * Every String/ID value of a field's arguments over 255 characters (fields with their own bound left out), with its path from the argument
 * (e.g. ["input", "handles", "0", "value"]). JSON scalars are left to their own rules. Walks with a stack.
 */
export function findOverlongStrings(args: Record<string, unknown>, defs: readonly GraphQLArgument[]): InputIssue[] {
  const issues: InputIssue[] = [];
  const stack: { value: unknown; type: GraphQLInputType; path: string[] }[] = [];
  for (const def of defs) {
    if (args[def.name] != null) stack.push({ value: args[def.name], type: def.type, path: [def.name] });
  }
  while (stack.length > 0 && issues.length < 20) {
    const { value, type, path } = stack.pop() as (typeof stack)[number];
    if (value == null) continue;
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) {
      if (!Array.isArray(value)) continue;
      value.forEach((item, index) => {
        stack.push({ value: item, type: inner.ofType, path: [...path, String(index)] });
      });
    } else if (isInputObjectType(inner)) {
      if (typeof value !== 'object') continue;
      const fields = inner.getFields();
      for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
        const field = fields[name];
        if (!field || `${inner.name}.${name}` in longerStringBounds) continue;
        stack.push({ value: item, type: field.type, path: [...path, name] });
      }
    } else if (isScalarType(inner) && boundedScalars.has(inner.name) && typeof value === 'string') {
      if (longerThan(value, maxStringChars))
        issues.push({ path, message: `must be at most ${maxStringChars} characters` });
    }
  }
  return issues;
}
