import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db } from '../db/client.ts';
import { defineLoader } from './registry.ts';

/** Every stored attribute of persons of the caller's organization, as bucket → name → JSON text; one query per batch. */
export const personAttributesLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, Map<string, Map<string, string>>>(async (personIds) => {
      const rows = await db.personAttribute.findMany({
        where: { orgId: orgIdOf(ctx), personId: { in: [...personIds] } },
        select: { personId: true, bucket: true, name: true, value: true },
        orderBy: [{ bucket: 'asc' }, { name: 'asc' }],
      });
      const byPerson = new Map<string, Map<string, Map<string, string>>>();
      for (const row of rows) {
        const buckets = byPerson.get(row.personId) ?? new Map<string, Map<string, string>>();
        byPerson.set(row.personId, buckets);
        const bucket = buckets.get(row.bucket) ?? new Map<string, string>();
        buckets.set(row.bucket, bucket);
        bucket.set(row.name, row.value);
      }
      return personIds.map((id) => byPerson.get(id) ?? new Map());
    }),
);
