import { AppError } from '../errors.ts';
import { countRateLimited } from '../observability/metrics.ts';

/** CONTRACT §10: open subscriptions per credential, on one instance. */
export const maxSubscriptionsPerCredential = 100;

const open = new Map<string, number>();

/** Refuses a subscription over the limit (RATE_LIMITED), before anything of it starts. */
export function checkSubscriptionSlot(credential: string): void {
  if ((open.get(credential) ?? 0) >= maxSubscriptionsPerCredential) {
    countRateLimited();
    throw new AppError(
      'RATE_LIMITED',
      `This credential already has ${maxSubscriptionsPerCredential} open subscriptions; close one first.`,
      { retryAfterSeconds: 1 },
    );
  }
}

/** Counts a subscription as open until the returned function is called (once). */
export function takeSubscriptionSlot(credential: string): () => void {
  checkSubscriptionSlot(credential);
  open.set(credential, (open.get(credential) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (open.get(credential) ?? 1) - 1;
    if (left > 0) open.set(credential, left);
    else open.delete(credential);
  };
}

/** How many subscriptions are open on this instance (for logs and tests). */
export function openSubscriptionCount(): number {
  let total = 0;
  for (const count of open.values()) total += count;
  return total;
}
