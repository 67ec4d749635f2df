import type { ChangePosition } from '../domain/history/change.ts';

/** Orders two log positions: (txid, id), both 64-bit. */
export function comparePositions(a: ChangePosition, b: ChangePosition): number {
  const txid = BigInt(a.txid) - BigInt(b.txid);
  if (txid !== 0n) return txid < 0n ? -1 : 1;
  const id = BigInt(a.id) - BigInt(b.id);
  return id === 0n ? 0 : id < 0n ? -1 : 1;
}
