import { z } from 'zod';
import { personIdSchema, utf8Bytes } from '../ids.ts';
import { maxValueBytes } from '../json.ts';
import {
  attributeLabelSchema,
  attributeNameSchema,
  attributeValueSchema,
  domainWhitelistSchema,
  groupNameSchema,
} from './rules.ts';
import { valueProblem } from './values.ts';

/**
 * The inputs of the user attribute operations (CONTRACT §7), one schema each: GraphQL input types validate with
 * them, the REST endpoints with `checkInput`.
 */

export const createUserAttributeInput = z
  .looseObject({
    name: attributeNameSchema,
    label: attributeLabelSchema,
    defaultValue: attributeValueSchema.nullish(),
    hiddenValueDomainWhitelist: domainWhitelistSchema.nullish(),
  })
  // The type is in the input, so the default is checked against it here, with the other fields. (An update
  // checks the default against the stored type, in definitions.ts.)
  .superRefine((input, ctx) => {
    const { type, defaultValue } = input as { type?: string; defaultValue?: string | null };
    // An oversized default is reported by its field rule already.
    const checkable = typeof defaultValue === 'string' && type && utf8Bytes(defaultValue) <= maxValueBytes;
    const problem = checkable ? valueProblem(type, defaultValue) : null;
    if (problem) ctx.addIssue({ code: 'custom', path: ['defaultValue'], message: problem });
  });

// A label always has a value: null would clear it, so it is refused (omit it to keep the current one). The
// flags have defaults, which is what null clears them back to (see definitions.ts).
const cannotClear = { error: 'cannot be null (omit it to keep the current value)' };

export const updateUserAttributeInput = z.looseObject({
  label: z.string(cannotClear).pipe(attributeLabelSchema).optional(),
  defaultValue: attributeValueSchema.nullish(),
  valueIsHidden: z.boolean().nullish(),
  userCanView: z.boolean().nullish(),
  userCanEdit: z.boolean().nullish(),
  hiddenValueDomainWhitelist: domainWhitelistSchema.nullish(),
});

type Entry = { group?: unknown; rank?: unknown };

/** Group values of one attribute: every entry ranked or none; no rank and no group twice. */
export const groupValuesInput = z
  .looseObject({
    values: z.array(
      z.looseObject({
        group: groupNameSchema,
        value: attributeValueSchema,
        rank: z.number().int().min(1).max(2_147_483_647).nullish(),
      }),
    ),
  })
  // Ranks must be all given or all omitted, and ranks and groups unique: each offender is named.
  .superRefine((input, ctx) => {
    const entries = (input.values ?? []) as Entry[];
    const ranked = entries.filter((entry) => entry.rank != null).length;
    if (ranked > 0 && ranked < entries.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: 'give a rank on every entry or on none (then the array order is the rank)',
      });
    }
    const seenRanks = new Set<unknown>();
    const seenGroups = new Set<unknown>();
    for (const [index, entry] of entries.entries()) {
      if (entry.rank != null && seenRanks.has(entry.rank)) {
        ctx.addIssue({ code: 'custom', path: ['values', index, 'rank'], message: `rank ${entry.rank} is taken twice` });
      }
      if (seenGroups.has(entry.group)) {
        ctx.addIssue({ code: 'custom', path: ['values', index, 'group'], message: 'this group is listed twice' });
      }
      seenRanks.add(entry.rank);
      seenGroups.add(entry.group);
    }
  });

/** A person's own value of an attribute (checked against the attribute's type when written). */
export const setUserValueInput = z.looseObject({ userId: personIdSchema, value: attributeValueSchema });

/** A person (user) whose values are read or deleted. */
export const userIdInput = z.looseObject({ userId: personIdSchema });

export const setMyValueInput = z.looseObject({ value: attributeValueSchema });
