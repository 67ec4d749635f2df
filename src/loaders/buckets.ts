import DataLoader from 'dataloader';
import { type AttributeBucket, sql } from '../db/client.ts';
import { bucketColumns, bucketFromRow } from '../db/rows.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';
import { sharedBatch } from './shared-batch.ts';

const bucketsOfOrgs = perDialect((d) => `SELECT ${bucketColumns} FROM "AttributeBucket" WHERE "orgId" ${inList(d, 1)}`);

/** Organizations' buckets by name (code-unit order, alike on both databases), shared by concurrent requests. */
const sharedBuckets = sharedBatch<AttributeBucket[]>(
  async (orgIds) => {
    const byOrg = new Map<string, AttributeBucket[]>();
    for (const bucket of (await sql.all(bucketsOfOrgs, [[...orgIds]])).map(bucketFromRow)) {
      const buckets = byOrg.get(bucket.orgId) ?? [];
      buckets.push(bucket);
      byOrg.set(bucket.orgId, buckets);
    }
    for (const buckets of byOrg.values()) buckets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return byOrg;
  },
  () => [],
);

/** The caller's organization's buckets, read once per request however many persons ask. */
export const orgBucketsLoader = defineLoader(
  (_reader: Reader) =>
    new DataLoader<string, AttributeBucket[]>(async (orgIds) => Promise.all(orgIds.map(sharedBuckets))),
);

export const orgBuckets = (ctx: Reader): Promise<AttributeBucket[]> => orgBucketsLoader(ctx).load(orgIdOf(ctx));
