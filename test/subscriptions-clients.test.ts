import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { OperationTypeNode } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  type ChangeJson,
  createPerson,
  merge,
  personChangesDoc,
  readFeed,
  type Stream,
  Stream as StreamClass,
  subscribeGraphqlSse,
  subscribeSse,
  subscribeWs,
  untilLive,
  waitFor,
  wsClient,
} from './helpers/subscriptions.ts';

// CONTRACT §10, transports: each client people use receives, over a real connection to a real attrql process, a
// change committed after it subscribed, with every field as the personChanges query shows it. SSE events carry the
// change's cursor as their id; refusals arrive as GraphQL errors, not as HTTP statuses or closed sockets.

let server: ServerProcess;
let url: string;
let apiKey: string;
let orgId: string;
const streams: Stream[] = [];
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  ({ apiKey, orgId } = await createOrganization('clients'));
  server = await startServerProcess(process.env.DATABASE_URL as string);
  url = server.url;
  await createPerson(url, apiKey, 'probe');
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  for (const cleanup of cleanups) await cleanup();
  await server?.stop();
});

const track = <T extends Stream>(stream: T): T => {
  streams.push(stream);
  return stream;
};
const probe = (value: string) => merge(url, apiKey, 'probe', 'end_user_read_write', { value });
const isProbe = (change: ChangeJson) => change.personId === 'probe';

/** The changes of one person as the personChanges query shows them (all fields). */
async function queried(personId: string): Promise<ChangeJson[]> {
  return (await readFeed(url, apiKey)).changes.filter((change) => change.personId === personId);
}

/** Writes two changes to a new person once the stream is live; the stream must deliver both, exactly as queried. */
async function expectDelivered(stream: Stream, personId: string, strip: (value: unknown) => unknown = (v) => v) {
  await untilLive([stream], probe, isProbe);
  await createPerson(url, apiKey, personId, { end_user_read_write: { name: personId, n: 1 } });
  await merge(url, apiKey, personId, 'end_user_no_access', { secret: true, list: [1, 'two'] });
  await stream.waitForPerson(personId, 2);
  const received = stream.changes().filter((change) => change.personId === personId);
  expect(received.map(strip)).toEqual(await queried(personId));
  expect(received.map((change) => change.kind)).toEqual(['CREATED', 'UPDATED']);
  expect(received[1]?.entries).toEqual([
    { area: 'ATTRIBUTE', bucket: 'end_user_no_access', name: 'list', before: null, after: [1, 'two'] },
    { area: 'ATTRIBUTE', bucket: 'end_user_no_access', name: 'secret', before: null, after: true },
  ]);
  return received;
}

/** Apollo adds __typename to every object. */
function withoutTypename(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTypename);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== '__typename')
        .map(([key, item]) => [key, withoutTypename(item)]),
    );
  }
  return value;
}

describe('SSE (raw, as curl or a proxy sees it)', () => {
  it('streams with headers that keep proxies from buffering, and an id line per change: its cursor', async () => {
    const stream = track(subscribeSse({ url, auth: apiKey, query: personChangesDoc, label: 'raw sse' }));
    const { status, headers } = await stream.response;
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('x-accel-buffering')).toBe('no');
    expect(headers.get('cache-control')).toBe('no-cache, no-transform');
    const received = await expectDelivered(stream, 'sse-ada');
    const ids = stream.results.map((_, i) => stream.ids[i]);
    expect(ids).toEqual(stream.changes().map((change) => change.cursor));
    expect(received.length).toBe(2);
  });

  it('gives each change its cursor as the id even when the selection has no cursor', async () => {
    const stream = track(
      subscribeSse({
        url,
        auth: apiKey,
        query: 'subscription { personChanges { personId kind } }',
        label: 'sse without cursor',
      }),
    );
    const start = (await readFeed(url, apiKey)).end;
    // A probe's change (no cursor selected) is recognized by its person.
    await untilLive([stream], probe, isProbe);
    const feed = (await readFeed(url, apiKey, start)).changes;
    const count = stream.results.length;
    // What the stream delivered is the end of the feed: the same changes, and each event's id is that change's cursor.
    const delivered = feed.slice(-count);
    expect(stream.results.map((result) => result.data)).toEqual(
      delivered.map((change) => ({ personChanges: { personId: change.personId, kind: change.kind } })),
    );
    expect(stream.ids).toEqual(delivered.map((change) => change.cursor));
  });

  it('answers a bad credential with 200 and an UNAUTHENTICATED payload, then completes', async () => {
    const stream = track(subscribeSse({ url, auth: 'aq_not-a-key', query: personChangesDoc, label: 'bad key sse' }));
    expect((await stream.response).status).toBe(200);
    await stream.waitForEnd();
    expect(stream.completed, stream.describe()).toBe(true);
    expect(stream.results).toEqual([
      { errors: [{ message: 'Unknown or revoked API key.', extensions: { code: 'UNAUTHENTICATED' } }] },
    ]);
  });

  it('checks X-Org-Id like a query does', async () => {
    const wrong = track(
      subscribeSse({ url, auth: apiKey, query: personChangesDoc, headers: { 'X-Org-Id': 'another-org' } }),
    );
    await wrong.waitForEnd();
    expect(wrong.errorCodes()).toEqual(['FORBIDDEN']);
    const right = track(subscribeSse({ url, auth: apiKey, query: personChangesDoc, headers: { 'X-Org-Id': orgId } }));
    await untilLive([right], probe, isProbe);
  });
});

describe('graphql-sse client', () => {
  it('receives a change committed after it subscribed', async () => {
    await expectDelivered(track(subscribeGraphqlSse({ url, auth: apiKey, query: personChangesDoc })), 'gsse-ada');
  });

  it('shows an UNAUTHENTICATED error (no retry loop on a 401)', async () => {
    const stream = track(subscribeGraphqlSse({ url, auth: 'aq_not-a-key', query: personChangesDoc }));
    await stream.waitForEnd();
    expect(stream.failure, stream.describe()).toBeNull();
    expect(stream.errorCodes()).toEqual(['UNAUTHENTICATED']);
  });
});

describe('graphql-ws client', () => {
  it('receives a change committed after it subscribed', async () => {
    await expectDelivered(track(subscribeWs({ url, auth: apiKey, query: personChangesDoc })), 'gws-ada');
  });

  it('takes the credential from connectionParams in any case, with X-Org-Id', async () => {
    const lower = track(
      subscribeWs({ url, connectionParams: { authorization: `Bearer ${apiKey}` }, query: personChangesDoc }),
    );
    const withOrg = track(
      subscribeWs({
        url,
        connectionParams: { Authorization: `Bearer ${apiKey}`, 'X-Org-Id': orgId },
        query: personChangesDoc,
      }),
    );
    await untilLive([lower, withOrg], probe, isProbe);
    const wrongOrg = track(
      subscribeWs({
        url,
        connectionParams: { Authorization: `Bearer ${apiKey}`, 'x-org-id': 'another-org' },
        query: personChangesDoc,
      }),
    );
    await wrongOrg.waitForEnd();
    expect(wrongOrg.completed, wrongOrg.describe()).toBe(true);
    expect(wrongOrg.errorCodes()).toEqual(['FORBIDDEN']);
    const none = track(subscribeWs({ url, connectionParams: {}, query: personChangesDoc }));
    await none.waitForEnd();
    expect(none.completed, none.describe()).toBe(true);
    expect(none.errorCodes()).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses one operation without closing the socket: the others on it go on', async () => {
    let closed: number | null = null;
    const client = wsClient(url, { Authorization: `Bearer ${apiKey}` }, (code) => {
      closed = code;
    });
    cleanups.push(() => client.dispose());
    const good = track(subscribeWs({ url, client, query: personChangesDoc, label: 'good op' }));
    await untilLive([good], probe, isProbe);
    const refused = track(
      subscribeWs({ url, client, query: 'subscription { myChanges { cursor } }', label: 'refused op' }),
    );
    await refused.waitForEnd();
    expect(refused.errorCodes()).toEqual(['FORBIDDEN']);
    const badCursor = track(
      subscribeWs({ url, client, query: personChangesDoc, variables: { after: 'nope' }, label: 'bad cursor op' }),
    );
    await badCursor.waitForEnd();
    expect(badCursor.errorCodes()).toEqual(['BAD_USER_INPUT']);
    // graphql-armor's limits apply over WebSocket too (validation: a protocol error for that operation only).
    const aliases = Array.from({ length: 25 }, (_, i) => `a${i}: cursor`).join(' ');
    const tooMany = track(
      subscribeWs({ url, client, query: `subscription { personChanges { ${aliases} } }`, label: 'aliases op' }),
    );
    await tooMany.waitForEnd();
    expect(String(JSON.stringify(tooMany.failure))).toMatch(/aliases/i);
    const before = good.changes().length;
    await probe('after-refusals');
    await waitFor('the good operation to go on', () => good.changes().length > before);
    expect(closed).toBeNull();
    expect(good.ended).toBe(false);
  });
});

describe('@urql/core subscriptionExchange', () => {
  /** An urql client whose subscriptions go through `forward`; its results recorded as a Stream. */
  function urqlStream(
    label: string,
    forward: (request: { query: string; variables?: Record<string, unknown> }, sink: never) => () => void,
  ): Stream {
    const client = new Client({
      url: `${url}/graphql`,
      fetchOptions: { headers: { authorization: `Bearer ${apiKey}` } },
      exchanges: [
        cacheExchange,
        fetchExchange,
        subscriptionExchange({
          forwardSubscription(request) {
            const input = { ...request, query: request.query || '' };
            return { subscribe: (sink) => ({ unsubscribe: forward(input, sink as never) }) };
          },
        }),
      ],
    });
    let unsubscribe: () => void = () => {};
    const stream = new StreamClass(label, () => unsubscribe());
    ({ unsubscribe } = client.subscription(personChangesDoc, {}).subscribe((result) => {
      if (result.error) stream.results.push({ errors: result.error.graphQLErrors.map((error) => error.toJSON()) });
      else if (result.hasNext !== false) stream.results.push({ data: result.data as Record<string, unknown> });
      else stream.completed = true;
    }));
    return stream;
  }

  it('over graphql-ws: receives a change committed after it subscribed', async () => {
    const ws = wsClient(url, { Authorization: `Bearer ${apiKey}` });
    cleanups.push(() => ws.dispose());
    const stream = track(urqlStream('urql ws', (request, sink) => ws.subscribe(request, sink)));
    await expectDelivered(stream, 'urql-ws-ada');
  });

  it('over graphql-sse: receives a change committed after it subscribed', async () => {
    const sse = createSseClient({ url: `${url}/graphql`, headers: { Authorization: `Bearer ${apiKey}` } });
    cleanups.push(() => sse.dispose());
    const stream = track(urqlStream('urql sse', (request, sink) => sse.subscribe(request, sink)));
    await expectDelivered(stream, 'urql-sse-ada');
  });
});

describe('@apollo/client GraphQLWsLink', () => {
  it('receives a change committed after it subscribed', async () => {
    const ws = wsClient(url, { Authorization: `Bearer ${apiKey}` });
    cleanups.push(() => ws.dispose());
    const isSubscription = ({ operationType }: ApolloLink.Operation) =>
      operationType === OperationTypeNode.SUBSCRIPTION;
    const client = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.split(
        isSubscription,
        new GraphQLWsLink(ws),
        new HttpLink({ uri: `${url}/graphql`, headers: { authorization: `Bearer ${apiKey}` } }),
      ),
    });
    cleanups.push(() => client.stop());
    let subscription: { unsubscribe: () => void } | null = null;
    const stream = track(new StreamClass('apollo ws', () => subscription?.unsubscribe()));
    subscription = client.subscribe({ query: gql(personChangesDoc) }).subscribe({
      next: ({ data, error }) => {
        if (error) stream.results.push({ errors: [{ message: error.message }] });
        else stream.results.push({ data: withoutTypename(data) as Record<string, unknown> });
      },
      error: (error) => {
        stream.failure = error;
      },
      complete: () => {
        stream.completed = true;
      },
    });
    await expectDelivered(stream, 'apollo-ada', withoutTypename);
  });
});
