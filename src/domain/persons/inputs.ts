import { z } from 'zod';
import { personIdSchema } from '../ids.ts';
import { bucketAttributesSchema, bucketNameSchema, namesToDeleteSchema, roleListSchema } from './rules.ts';

/**
 * The inputs of the person operations, one schema each: GraphQL input types validate with them (`validate:`),
 * the REST endpoints with `checkInput`, so a value passes or fails the same way whichever way it came.
 */

/** One bucket's attributes to merge or replace. */
export const bucketWriteInput = z.looseObject({
  personId: personIdSchema,
  bucket: bucketNameSchema,
  attributes: bucketAttributesSchema,
});

/** Keys to delete from one bucket. */
export const bucketDeleteInput = z.looseObject({
  personId: personIdSchema,
  bucket: bucketNameSchema,
  names: namesToDeleteSchema,
});

/** One bucket to read. */
export const bucketReadInput = z.looseObject({ personId: personIdSchema, bucket: bucketNameSchema });

/** SlashID "modify an existing person". */
export const patchPersonInput = z.looseObject({ personId: personIdSchema, roles: roleListSchema.nullish() });

/** PACE "update the user's attributes": the caller's own end_user_read_write bucket. */
export const myAttributesInput = z.looseObject({ attributes: bucketAttributesSchema });
