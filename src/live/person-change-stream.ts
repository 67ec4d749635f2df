import { authenticateCredential, bearerCredential } from '../auth/authenticate.ts';
import type { Principal } from '../auth/principal.ts';
import { hashSecret } from '../auth/secrets.ts';
import type { ChangeArea, ChangePosition, PersonChange } from '../domain/history/change.ts';
import { type DecodedCursor, decodeCursor } from '../domain/history/cursor.ts';
import type { ChangeFilter } from '../domain/history/filter.ts';
import { presentChanges } from '../domain/history/pages.ts';
import { readOrgChanges } from '../domain/history/read.ts';
import { requireRetained } from '../domain/history/retention.ts';
import { type Visibility, visibilityOf } from '../domain/history/visibility.ts';
import { AppError, serviceUnavailable, unauthenticated } from '../errors.ts';
import { requestReader } from '../loaders/reader.ts';
import { observeDelivery, type Transport } from '../observability/metrics.ts';
import { subscriptionOpened } from '../observability/subscriptions.ts';
import { endSpan, startSpan } from '../observability/tracing.ts';
import { transportOf } from '../observability/transport.ts';
import { changeFeed } from './change-feed.ts';
import { watchCredential } from './credential-watch.ts';
import { takeSubscriptionSlot } from './open-subscriptions.ts';
import { comparePositions } from './positions.ts';
import { maxBacklog, SubscriberQueue } from './subscriber-queue.ts';

/** How long what a subscriber may see (buckets, attribute flags) is reused before it is read again. */
const visibilityMs = 1000;
const replayPage = 200;

export interface StreamRequest {
  principal: Principal;
  headers: Headers;
  after?: string | null;
  personId?: string | null;
  areas?: readonly ChangeArea[] | null;
}

/** What a stream yields: a change, or the error that ends it (sent as the last payload, then the stream completes). */
export type StreamEvent = PersonChange | AppError;

/**
 * Checks a subscription request before anything starts (bad or expired cursor, too many open subscriptions) and
 * returns its stream of changes: first those after the cursor (from the log), then live ones from this instance's
 * feed, each once, in log order. SSE's Last-Event-ID, sent by a reconnecting client, takes the place of `after`.
 */
export function personChangeStream(request: StreamRequest): AsyncGenerator<StreamEvent> {
  const resumeFrom = request.headers.get('last-event-id') || request.after;
  const cursor = resumeFrom ? decodeCursor(resumeFrom, ['after']) : null;
  if (cursor) requireRetained(cursor, ['after']);
  const { principal } = request;
  const transport = transportOf(request.headers);
  const release = subscriptionOpened(transport, takeSubscriptionSlot(principal.credential));
  const personId = principal.kind === 'person' ? principal.personId : (request.personId ?? null);
  const queue = new SubscriberQueue(principal.orgId, personId);
  // Its credential is checked with every other subscription's that presents the same one (revocation, expiry).
  const unwatch = watchCredential(
    presentedCredential(request.headers),
    () => checkCredential(request),
    (error) => queue.end(error),
  );
  const close = () => {
    unwatch();
    release();
  };
  const changes = stream(request, cursor, queue, personId, close, transport);
  // A generator waiting inside `take` would see a return() only at its next yield, which may never come: cancel
  // the queue first, so the wait ends at once and the subscription's slot and queue are freed.
  const end = () => {
    queue.cancel();
    close();
  };
  return {
    next: (...args) => changes.next(...args),
    return: (value) => {
      end();
      return changes.return(value);
    },
    throw: (error) => {
      end();
      return changes.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

async function* stream(
  request: StreamRequest,
  cursor: DecodedCursor | null,
  queue: SubscriberQueue,
  personId: string | null,
  release: () => void,
  transport: Transport,
): AsyncGenerator<StreamEvent> {
  const { principal } = request;
  const orgId = principal.orgId;
  const view = viewerFor(principal, request.areas ?? null);
  try {
    // Registered before the replay, so nothing committed meanwhile is missed; what both deliver is skipped once.
    // Without a cursor, what committed before the subscription is skipped too (the feed may be behind for it).
    const start = await changeFeed.add(queue);
    let last: ChangePosition | null = cursor?.position ?? start;
    if (cursor) {
      for (;;) {
        const { filter, visibility } = await view();
        const changes = await readOrgChanges(orgId, last, replayPage, { personId, filter });
        for (const change of presentChanges(changes, filter, visibility)) yield change;
        last = changes.at(-1)?.position ?? last;
        if (changes.length < replayPage) break;
      }
    }
    for (;;) {
      const change = await queue.take();
      if (queue.cancelled) return;
      if (queue.ended) {
        yield queue.ended;
        return;
      }
      if (queue.closed) {
        yield serviceUnavailable(
          'This attrql instance is shutting down; subscribe again with the last cursor you received.',
        );
        return;
      }
      if (queue.overflowed) {
        yield serviceUnavailable(
          `This subscription fell more than ${maxBacklog} changes behind and was ended; subscribe again with the last cursor you received.`,
        );
        return;
      }
      if (!change || (last && comparePositions(change.position, last) <= 0)) continue;
      last = change.position;
      const { filter, visibility } = await view();
      const [shown] = presentChanges([change], filter, visibility);
      if (!shown) continue;
      observeDelivery(transport, change.at);
      // With tracing: the hand-over, until the subscriber asks for the next change (the event was sent).
      const span = startSpan('attrql.subscription.delivery', { 'attrql.subscription.transport': transport });
      yield shown;
      endSpan(span);
    }
  } finally {
    changeFeed.remove(queue);
    release();
  }
}

/**
 * A value read at most once per `ms` for everyone who asks by the same key: a hundred subscribers of one
 * organization (or one credential) share one read instead of making a hundred.
 */
function sharedFor<T>(ms: number) {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key: string, read: () => Promise<T>): Promise<T> => {
    const now = Date.now();
    const entry = entries.get(key);
    if (entry && now - entry.at < ms) return entry.value;
    if (entries.size > 10_000) entries.clear();
    const value = read();
    entries.set(key, { at: now, value });
    value.catch(() => entries.delete(key));
    return value;
  };
}

// What a subscriber may see depends only on its organization and whether it is an end user.
const sharedVisibility = sharedFor<Visibility>(visibilityMs);

/** The subscriber's filter and visibility, as read for its organization at most once a second. */
function viewerFor(principal: Principal, areas: readonly ChangeArea[] | null) {
  const key = `${principal.kind} ${principal.orgId}`;
  return async () => {
    const visibility = await sharedVisibility(key, () => visibilityOf(requestReader(principal)));
    return { filter: { areas, ...visibility.hidden } as ChangeFilter, visibility };
  };
}

/**
 * The hash of the credential the request presented, as it presented it: the subscriptions that present the very same
 * credential share its checks. A login token counts against its API key (`principal.credential` is the key's hash)
 * but expires on its own, so it must not share the key's answer.
 */
function presentedCredential(headers: Headers): string {
  try {
    return hashSecret(bearerCredential(headers) ?? '');
  } catch {
    return '';
  }
}

/** UNAUTHENTICATED when the subscription's credential no longer works (revoked key, deactivated person, expired token, …). */
async function checkCredential(request: StreamRequest): Promise<AppError | null> {
  try {
    const now = await authenticateCredential(bearerCredential(request.headers));
    const same = now.orgId === request.principal.orgId && now.credential === request.principal.credential;
    return same ? null : unauthenticated('The credential of this subscription changed.');
  } catch (error) {
    if (error instanceof AppError && error.code === 'UNAUTHENTICATED') {
      return unauthenticated(`This subscription ended: ${error.message}`);
    }
    // The database is unreachable: keep the subscription, check again later.
    return null;
  }
}
