import DataLoader from 'dataloader';
import { type Context, orgIdOf } from '../context.ts';
import { db, type UuidMetadata } from '../db/client.ts';
import { defineLoader } from './registry.ts';

/** UUID metadata of persons of the caller's organization, one query per batch; null when a uuid has none. */
export const uuidMetadataLoader = defineLoader(
  (ctx: Context) =>
    new DataLoader<string, UuidMetadata | null>(async (personIds) => {
      const rows = await db.uuidMetadata.findMany({ where: { orgId: orgIdOf(ctx), personId: { in: [...personIds] } } });
      const byPerson = new Map(rows.map((row) => [row.personId, row]));
      return personIds.map((id) => byPerson.get(id) ?? null);
    }),
);
