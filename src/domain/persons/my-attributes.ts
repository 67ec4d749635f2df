import type { Principal } from '../../auth/principal.ts';
import { scopesOf } from '../../auth/scopes.ts';
import { forbidden } from '../../errors.ts';
import { writerFor } from '../../loaders/reader.ts';
import type { JsonObject } from '../json.ts';
import { mergeAttributes } from './attributes.ts';

/** The one bucket end users write (PACE "update the user's attributes"). */
export const endUserWritableBucket = 'end_user_read_write';

/**
 * PACE "update the user's attributes": a person token with user:attributes:write merges into its own
 * end_user_read_write bucket (same merge rules as the admin merge). Returns the bucket after the write.
 */
export async function updateMyAttributes(principal: Principal, attributes: JsonObject): Promise<JsonObject> {
  if (principal.kind !== 'person') throw forbidden('This operation needs a person token.');
  if (!scopesOf(principal).personWrite) throw forbidden('This person token lacks the user:attributes:write scope.');
  const written = await mergeAttributes(
    writerFor(principal),
    principal.personId,
    endUserWritableBucket,
    attributes,
    null,
    true,
  );
  return written.attributes;
}
