import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import type { AttributeBucket } from '../db/client.ts';
import { listBuckets } from '../domain/persons/buckets.ts';
import { defineLoader } from './registry.ts';

/** The caller's organization's buckets, read once per request however many persons ask. */
export const orgBucketsLoader = defineLoader(
  (_ctx: Context) =>
    new DataLoader<string, AttributeBucket[]>(async (orgIds) => Promise.all(orgIds.map((orgId) => listBuckets(orgId)))),
);

export const orgBuckets = (ctx: Context): Promise<AttributeBucket[]> => orgBucketsLoader(ctx).load(orgIdOf(ctx));
