import DataLoader from 'dataloader';
import { sql, type UuidMetadata } from '../db/client.ts';
import { uuidMetadataColumns, uuidMetadataFromRow } from '../db/rows.ts';
import { inList, perDialect } from '../db/sql/sql-client.ts';
import { orgIdOf, type Reader } from './reader.ts';
import { defineLoader } from './registry.ts';

const metadataOfPersons = perDialect(
  (d) => `SELECT ${uuidMetadataColumns} FROM "UuidMetadata" WHERE "orgId" = $1 AND "personId" ${inList(d, 2)}`,
);

/** UUID metadata of persons of the caller's organization, one query per batch; null when a uuid has none. */
export const uuidMetadataLoader = defineLoader(
  (ctx: Reader) =>
    new DataLoader<string, UuidMetadata | null>(async (personIds) => {
      const rows = await sql.all(metadataOfPersons, [orgIdOf(ctx), [...personIds]]);
      const byPerson = new Map(rows.map((row) => [row.personId as string, uuidMetadataFromRow(row)]));
      return personIds.map((id) => byPerson.get(id) ?? null);
    }),
);
