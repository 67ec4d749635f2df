import type { Tx } from '../../db/client.ts';
import { transaction } from '../../db/transaction.ts';

/** Thrown inside a transaction to undo everything it did (the person's touch included) and answer `value`. */
export class RollBack<T> extends Error {
  constructor(readonly value: T) {
    super('transaction rolled back on purpose');
  }
}

/** `transaction(fn)`, where `fn` may end with `throw new RollBack(value)` when it found nothing to change. */
export async function transactionOrRollBack<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await transaction(fn);
  } catch (error) {
    if (error instanceof RollBack) return error.value as T;
    throw error;
  }
}
