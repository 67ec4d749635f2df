/** The change log's records (CONTRACT §10): what one committed write changed of one person. */

export type ChangeArea = 'ATTRIBUTE' | 'UUID_METADATA' | 'USER_ATTRIBUTE' | 'PERSON';
export const changeAreas: readonly ChangeArea[] = ['ATTRIBUTE', 'UUID_METADATA', 'USER_ATTRIBUTE', 'PERSON'];

export type PersonChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

/** Who wrote: an API key (its id, never the key) or a person through its token. */
export interface ChangeActor {
  kind: 'API_KEY' | 'PERSON';
  id: string;
}

/** A write's organization and author: every write to a person's data takes one, so its change names who made it. */
export interface Writer {
  orgId: string;
  actor: ChangeActor;
}

/** One value that changed; `before`/`after` are null when absent (or hidden). */
export interface ChangeEntry {
  area: ChangeArea;
  /** The attribute bucket, for ATTRIBUTE entries. */
  bucket?: string;
  name: string;
  /** The user attribute's id, for USER_ATTRIBUTE entries: what visibility rules are looked up by. */
  attributeId?: string;
  before: unknown;
  after: unknown;
}

/** A change as the log stores it. `position` orders changes; the public cursor encodes it (cursor.ts). */
export interface PersonChange {
  position: ChangePosition;
  orgId: string;
  personId: string;
  kind: PersonChangeKind;
  eTag: string | null;
  at: Date;
  actor: ChangeActor;
  entries: ChangeEntry[];
}

/**
 * Where a change sits in the log: PostgreSQL's writing transaction id, then the row id (SQLite: txid 0). Kept as
 * decimal strings, since both are 64-bit.
 */
export interface ChangePosition {
  txid: string;
  id: string;
}
