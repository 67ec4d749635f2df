import { countSubscription, type Transport } from './metrics.ts';

/** Counts a subscription open on its transport until `release` (which it wraps; idempotent, like the slot's). */
export function subscriptionOpened(transport: Transport, release: () => void): () => void {
  countSubscription(transport, 1);
  let open = true;
  return () => {
    if (open) {
      open = false;
      countSubscription(transport, -1);
    }
    release();
  };
}
