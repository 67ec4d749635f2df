import type { AttributeBucket } from '../../db/client.ts';
import { forbidden, notFound } from '../../errors.ts';
import { orgBuckets } from '../../loaders/buckets.ts';
import { personAttributesLoader, type StoredAttributes } from '../../loaders/person-attributes.ts';
import { isEndUser, type Reader } from '../../loaders/reader.ts';
import type { JsonObject } from '../json.ts';

/**
 * The buckets a caller may read, in name order: end users (person tokens) never see NO_ACCESS buckets; asking
 * for one by name is FORBIDDEN, asking for an unknown one NOT_FOUND. `requested` null means every bucket.
 */
async function readableBuckets(reader: Reader, requested: readonly string[] | null | undefined) {
  const all = await orgBuckets(reader);
  const endUser = isEndUser(reader);
  if (requested == null) return all.filter((bucket) => !endUser || bucket.endUserPermissions !== 'NO_ACCESS');
  const byName = new Map(all.map((bucket) => [bucket.name, bucket]));
  return [...new Set(requested)].map((name) => {
    const bucket = byName.get(name);
    if (!bucket) throw notFound(`Attribute bucket "${name}"`);
    if (endUser && bucket.endUserPermissions === 'NO_ACCESS') {
      throw forbidden(`End users cannot read the bucket "${name}".`);
    }
    return bucket;
  });
}

/** Stored JSON text parsed once, here, where it leaves the database's shape. */
function valuesOf(buckets: AttributeBucket[], stored: StoredAttributes): Record<string, JsonObject> {
  return Object.fromEntries(
    buckets.map((bucket) => [
      bucket.name,
      Object.fromEntries(
        [...(stored.get(bucket.name) ?? new Map<string, string>())].map(([k, v]) => [k, JSON.parse(v)]),
      ),
    ]),
  );
}

/**
 * `{ bucketName: { key: value } }` of a person (who must exist in the caller's organization) for the requested
 * buckets the caller may see; buckets and values load together, batched with the request's other reads.
 */
export async function visibleAttributes(
  reader: Reader,
  personId: string,
  requested?: readonly string[] | null,
): Promise<Record<string, JsonObject>> {
  const [buckets, stored] = await Promise.all([
    readableBuckets(reader, requested),
    personAttributesLoader(reader).load(personId),
  ]);
  return valuesOf(buckets, stored);
}
