import type { AppError } from '../errors.ts';

/** How often the credentials of open subscriptions are checked (revocation ends a subscription within 5 s). */
export const credentialCheckMs = 2000;
/**
 * Credentials checked at once per round: one shared batch's worth (loaders/shared-batch.ts reads up to 500 keys in
 * one statement), so a round of a few hundred credentials is one statement, and thousands of person tokens a few
 * statements one after another, one connection at a time. Fewer at once made a statement per handful: 100 API
 * keys with subscriptions open cost ~50 statements a second on every other organization's pool.
 */
const concurrentChecks = 500;

/** Why a credential no longer works (UNAUTHENTICATED), or null while it does. */
type Check = () => Promise<AppError | null>;

interface Watched {
  check: Check;
  ended: Set<(error: AppError) => void>;
}

const watched = new Map<string, Watched>();
let timer: ReturnType<typeof setInterval> | null = null;
let checking = false;

/**
 * Has `credential` (the hash of the credential as presented) checked every `credentialCheckMs`, once for all the
 * subscriptions that present it — one timer for the process instead of one wake-up per idle subscription. When the
 * check fails, `onEnded` is called (once) with the error. Returns the function that stops watching.
 */
export function watchCredential(credential: string, check: Check, onEnded: (error: AppError) => void): () => void {
  let entry = watched.get(credential);
  if (!entry) {
    entry = { check, ended: new Set() };
    watched.set(credential, entry);
  }
  const own = entry;
  own.ended.add(onEnded);
  if (!timer) {
    timer = setInterval(checkAll, credentialCheckMs);
    timer.unref();
  }
  return () => {
    own.ended.delete(onEnded);
    if (own.ended.size === 0 && watched.get(credential) === own) watched.delete(credential);
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** One round: each watched credential once, a few at a time. A round still running when the next is due skips it. */
async function checkAll(): Promise<void> {
  if (checking) return;
  checking = true;
  try {
    const queue = [...watched];
    const worker = async () => {
      for (let next = queue.pop(); next; next = queue.pop()) {
        const [credential, entry] = next;
        const error = await entry.check().catch(() => null);
        if (!error || watched.get(credential) !== entry) continue;
        watched.delete(credential);
        for (const end of entry.ended) end(error);
      }
    };
    await Promise.all(Array.from({ length: concurrentChecks }, worker));
  } finally {
    checking = false;
  }
}
