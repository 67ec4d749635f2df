import { z } from 'zod';
import type { InputIssue } from '../../errors.ts';
import { isAddrSpec, maxEmailChars } from '../email.ts';
import { codePoints, utf8Bytes } from '../ids.ts';
import { maxValueBytes } from '../json.ts';
import { unsafeStringReason } from '../strings.ts';

/** CONTRACT §5: the input rules of persons, roles, groups, buckets and attributes. */

export const maxAttributeNameBytes = 70;
export const maxAttributeDepth = 32;
const reservedNames = new Set(['__proto__', 'constructor', 'prototype']);

const groupPattern = /^[A-Za-z0-9][\w.-]*[A-Za-z0-9]$/;
const rolePattern = /^[A-Za-z0-9][\w.-]*$/;

export const bucketNameSchema = z
  .string()
  .refine((name) => /^[a-z0-9_-]{1,64}$/.test(name), 'must be 1–64 characters of a-z, 0-9, _ and -');

export const groupNameSchema = z
  .string()
  .refine(
    (name) => codePoints(name) >= 2 && codePoints(name) <= 100 && groupPattern.test(name),
    'must be 2–100 characters matching ^[A-Za-z0-9][\\w.\\-]*[A-Za-z0-9]$',
  );

export const roleNameSchema = z
  .string()
  .refine(
    (name) => codePoints(name) >= 1 && codePoints(name) <= 100 && rolePattern.test(name),
    'must be 1–100 characters matching ^[A-Za-z0-9][\\w.\\-]*$',
  );

/** A role reference: a bare role name or "{orgId}/{roleName}". */
export const roleRefSchema = z.string().refine((ref) => {
  const slash = ref.indexOf('/');
  const name = slash === -1 ? ref : ref.slice(slash + 1);
  return slash !== 0 && roleNameSchema.safeParse(name).success;
}, 'must be a role name or "{orgId}/{roleName}" (role names: 1–100 characters matching ^[A-Za-z0-9][\\w.\\-]*$)');

/** The bare role name a reference names in `orgId`, or null when it is qualified with another organization. */
export function bareRoleName(orgId: string, ref: string): string | null {
  const slash = ref.indexOf('/');
  if (slash === -1) return ref;
  return ref.slice(0, slash) === orgId ? ref.slice(slash + 1) : null;
}

export const handleTypes = ['EMAIL_ADDRESS', 'PHONE_NUMBER', 'USERNAME'] as const;
export type HandleType = (typeof handleTypes)[number];

const handleRules: Record<HandleType, { test: (value: string) => boolean; message: string }> = {
  EMAIL_ADDRESS: {
    test: (value) => codePoints(value) <= maxEmailChars && isAddrSpec(value, { utf8: false }),
    message: `must be an RFC 5322 addr-spec of at most ${maxEmailChars} characters`,
  },
  PHONE_NUMBER: {
    test: (value) => /^\+[1-9]\d{1,14}$/.test(value),
    message: 'must be an E.164 number like +14155550100',
  },
  USERNAME: { test: (value) => /^[\w.-]{1,64}$/.test(value), message: 'must be 1–64 characters of [A-Za-z0-9_.-]' },
};

export const handleSchema = z
  .looseObject({ type: z.enum(handleTypes), value: z.string() })
  .superRefine((handle, ctx) => {
    const rule = handleRules[handle.type];
    if (rule && !rule.test(handle.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: rule.message });
  });

/** What makes two handles the same: emails compare case-insensitively. */
export function normalizeHandle(type: string, value: string): string {
  return type === 'EMAIL_ADDRESS' ? value.toLowerCase() : value;
}

/** Why an attribute name is refused, or null. */
export function attributeNameProblem(name: string): string | null {
  const bytes = utf8Bytes(name);
  if (bytes < 1 || bytes > maxAttributeNameBytes) return `must be 1–${maxAttributeNameBytes} bytes of UTF-8`;
  if (reservedNames.has(name)) return `"${name}" is a reserved name`;
  return unsafeStringReason(name);
}

/**
 * Why a JSON value is refused, or null: nesting deeper than 32, an unsafe integer, NUL or a lone surrogate
 * anywhere, or a serialization over 65,536 bytes. Depth is checked first and bounds every later walk.
 */
export function attributeValueProblem(value: unknown): string | null {
  const walk = (node: unknown, depth: number): string | null => {
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return 'must be a JSON value';
      return Number.isInteger(node) && !Number.isSafeInteger(node) ? 'integers must be within ±(2^53−1)' : null;
    }
    if (typeof node === 'string') return unsafeStringReason(node);
    if (node === null || typeof node === 'boolean') return null;
    if (typeof node !== 'object') return 'must be a JSON value';
    if (depth + 1 > maxAttributeDepth) return `must not nest deeper than ${maxAttributeDepth} levels`;
    const entries = Array.isArray(node) ? node.map((item) => ['', item] as const) : Object.entries(node);
    for (const [key, item] of entries) {
      const keyProblem = unsafeStringReason(key);
      if (keyProblem) return `key ${keyProblem}`;
      const problem = walk(item, depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  const problem = walk(value, 0);
  if (problem) return problem;
  if (utf8Bytes(JSON.stringify(value)) > maxValueBytes) {
    return `must serialize to at most ${maxValueBytes} bytes of JSON`;
  }
  return null;
}

/** Every refused name or value of one bucket's attributes, with paths relative to the attributes object. */
export function attributeIssues(attributes: Record<string, unknown>): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    const problem = attributeNameProblem(name) ?? attributeValueProblem(value);
    if (problem) issues.push({ path: [name], message: problem });
  }
  return issues;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{ key: value }` of one bucket: every name and value checked, each offence at its own path. */
export const bucketAttributesSchema = z
  .custom<Record<string, unknown>>(isObject, 'must be a JSON object')
  .superRefine((attributes, ctx) => {
    for (const issue of attributeIssues(attributes)) ctx.addIssue({ code: 'custom', ...issue });
  });

/** `{ bucket: { key: value } }` (createPerson): bucket names and every bucket's attributes checked. */
export const bucketedAttributesSchema = z
  .custom<Record<string, unknown>>(isObject, 'must be a JSON object')
  .superRefine((buckets, ctx) => {
    for (const [bucket, attributes] of Object.entries(buckets)) {
      if (!bucketNameSchema.safeParse(bucket).success) {
        ctx.addIssue({
          code: 'custom',
          path: [bucket],
          message: 'bucket names must be 1–64 characters of a-z, 0-9, _ and -',
        });
      } else if (!isObject(attributes)) {
        ctx.addIssue({ code: 'custom', path: [bucket], message: 'must be a JSON object of attributes' });
      } else {
        for (const issue of attributeIssues(attributes)) {
          ctx.addIssue({ code: 'custom', path: [bucket, ...issue.path], message: issue.message });
        }
      }
    }
  });

/** One attribute name (deletePersonAttributes). */
export const attributeNameSchema = z.string().superRefine((name, ctx) => {
  const problem = attributeNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** CONTRACT §8 "list inputs": how many entries one input list may hold. */
export const maxGroupsPerPerson = 100;
export const maxHandlesPerPerson = 20;
export const maxRoles = 100;
export const maxNamesToDelete = 1000;

export const groupListSchema = z
  .array(groupNameSchema)
  .max(maxGroupsPerPerson, `must hold at most ${maxGroupsPerPerson} groups`);
export const handleListSchema = z
  .array(handleSchema)
  .max(maxHandlesPerPerson, `must hold at most ${maxHandlesPerPerson} handles`);
export const roleListSchema = z.array(roleRefSchema).max(maxRoles, `must hold at most ${maxRoles} roles`);
export const namesToDeleteSchema = z
  .array(attributeNameSchema)
  .max(maxNamesToDelete, `must hold at most ${maxNamesToDelete} names`);
