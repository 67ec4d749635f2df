import { badInputAt } from '../../errors.ts';
import type { ChangePosition, PersonChange } from './change.ts';

/**
 * Public cursors are opaque: "v1:<txid>:<id>:<at in ms>", base64url. The time lets an `after` older than the
 * retention be refused without a lookup.
 */
export function encodeCursor(change: Pick<PersonChange, 'position' | 'at'>): string {
  const { txid, id } = change.position;
  return Buffer.from(`v1:${txid}:${id}:${change.at.getTime()}`).toString('base64url');
}

export interface DecodedCursor {
  position: ChangePosition;
  at: Date;
}

/** The position of a cursor argument; BAD_USER_INPUT at `path` when it is not one of ours. */
export function decodeCursor(cursor: string, path: string[]): DecodedCursor {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^v1:(\d{1,20}):(\d{1,20}):(\d{1,16})$/.exec(text);
  if (!match) throw badInputAt(path, 'is not a change cursor of this API');
  const [, txid, id, at] = match as unknown as [string, string, string, string];
  return { position: { txid, id }, at: new Date(Number(at)) };
}
