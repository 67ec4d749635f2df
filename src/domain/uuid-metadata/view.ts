import type { UuidMetadata } from '../../db/client.ts';
import type { Reader } from '../../loaders/reader.ts';
import { uuidMetadataLoader } from '../../loaders/uuid-metadata.ts';
import { contentOf, type UuidMetadataContent } from './content.ts';

/** A uuid's metadata as both transports show it: the content (`custom` parsed), the person id as `id`. */
export interface UuidMetadataView extends UuidMetadataContent {
  id: string;
  updated: Date;
  eTag: string;
}

/** The stored row as plain data; `custom`'s JSON text is parsed (by contentOf) where it leaves the database. */
export function uuidMetadataView(row: UuidMetadata): UuidMetadataView {
  return { id: row.personId, ...contentOf(row), updated: row.updated, eTag: row.eTag };
}

/** The metadata of a uuid of the caller's organization; null when the uuid is unknown or has none. Batched. */
export async function readUuidMetadata(reader: Reader, uuid: string): Promise<UuidMetadataView | null> {
  const row = await uuidMetadataLoader(reader).load(uuid);
  return row && uuidMetadataView(row);
}
