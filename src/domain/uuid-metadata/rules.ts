import { z } from 'zod';
import { isAddrSpec, maxEmailChars } from '../email.ts';
import { codePoints, personIdSchema } from '../ids.ts';
import { isAbsoluteUri } from './uri.ts';

// The rules of CONTRACT §6 (PubNub's own limits), shared by every entry point that writes UUID metadata.

const maxChars = (max: number) =>
  z.string().refine((value) => codePoints(value) <= max, `must be at most ${max} characters`);

export const nameSchema = z
  .string()
  .refine((name) => codePoints(name) >= 1 && codePoints(name) <= 2048, 'must be 1–2048 characters')
  .refine((name) => name === '' || name.trim() !== '', 'must not be whitespace only');

export const externalIdSchema = maxChars(2048);

export const profileUrlSchema = maxChars(2048).refine(isAbsoluteUri, 'must be an absolute URI (RFC 3986)');

export const emailSchema = maxChars(maxEmailChars).refine(
  (value) => isAddrSpec(value, { utf8: true }),
  'must be an email address (RFC 5322 addr-spec, without a display name)',
);

export const typeOrStatusSchema = maxChars(50);

/** Why a `custom` value is refused, or null: only strings, booleans and numbers (safe integers) are allowed. */
export function customValueProblem(value: unknown): string | null {
  if (typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'must be a finite number';
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) return 'integers must be within ±(2^53−1)';
    return null;
  }
  if (value === null) return 'must not be null (custom is replaced whole: omit the key instead)';
  return Array.isArray(value) ? 'must not be an array' : 'must not be an object: custom is flat';
}

/** A flat object of scalars; each refused value is reported at its own key. */
export const customSchema = z.record(z.string(), z.unknown()).superRefine((custom, ctx) => {
  for (const [key, value] of Object.entries(custom)) {
    const problem = customValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
  }
});

/** A uuid to read or remove. */
export const uuidInput = z.looseObject({ uuid: personIdSchema });

/** Every field of a set: omitted stays unchanged, null clears. */
export const setUuidMetadataSchema = z.looseObject({
  uuid: personIdSchema,
  name: nameSchema.nullish(),
  externalId: externalIdSchema.nullish(),
  profileUrl: profileUrlSchema.nullish(),
  email: emailSchema.nullish(),
  type: typeOrStatusSchema.nullish(),
  status: typeOrStatusSchema.nullish(),
  custom: customSchema.nullish(),
  ifMatch: z.string().nullish(),
});
