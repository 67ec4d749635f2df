import { badInput } from '../../errors.ts';
import type { StoredValues } from '../history/diff.ts';
import { utf8Bytes } from '../ids.ts';

/**
 * CONTRACT §8 "stored per bucket": what one person may keep in one bucket. Bytes are the UTF-8 bytes of the
 * stored values' JSON text (names are bounded apart: at most 70 bytes each, times the key bound).
 */

function positiveSetting(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

/** ATTRQL_MAX_BUCKET_KEYS: keys per person and bucket (default 1,000). */
export const maxBucketKeys = (): number => positiveSetting('ATTRQL_MAX_BUCKET_KEYS', 1000);

/** ATTRQL_MAX_BUCKET_BYTES: bytes of stored JSON text per person and bucket (default 1 MiB). */
export const maxBucketBytes = (): number => positiveSetting('ATTRQL_MAX_BUCKET_BYTES', 1024 * 1024);

export interface BucketSize {
  keys: number;
  bytes: number;
}

export function sizeOf(stored: StoredValues): BucketSize {
  let bytes = 0;
  for (const text of stored.values()) bytes += utf8Bytes(text);
  return { keys: stored.size, bytes };
}

/** BAD_USER_INPUT naming the bucket and the bound when a bucket of `size` would pass either; the write is refused. */
export function requireWithinQuota(bucket: string, size: BucketSize, path: string[] = ['input', 'attributes']): void {
  const keys = maxBucketKeys();
  const bytes = maxBucketBytes();
  if (size.keys > keys) {
    throw badInput([
      {
        path,
        message: `the bucket "${bucket}" would hold ${size.keys} keys; at most ${keys} keys are allowed per person and bucket (ATTRQL_MAX_BUCKET_KEYS); nothing was stored`,
      },
    ]);
  }
  if (size.bytes > bytes) {
    throw badInput([
      {
        path,
        message: `the bucket "${bucket}" would hold ${size.bytes} bytes of JSON; at most ${bytes} bytes are allowed per person and bucket (ATTRQL_MAX_BUCKET_BYTES); nothing was stored`,
      },
    ]);
  }
}
