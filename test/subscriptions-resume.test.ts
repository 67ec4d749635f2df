import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  type ChangeJson,
  createPerson,
  expectLogOrder,
  merge,
  personChangesDoc,
  readFeed,
  type Stream,
  subscribeGraphqlSse,
  subscribeSse,
  subscribeWs,
} from './helpers/subscriptions.ts';

// CONTRACT §10, order and resumption: a subscriber that disconnects mid-stream and subscribes again with the last
// cursor it received (`after`, or SSE's Last-Event-ID) gets the rest: nothing missed, nothing twice, in log order.

let server: ServerProcess;
let url: string;
let apiKey: string;
const streams: Stream[] = [];

beforeAll(async () => {
  ({ apiKey } = await createOrganization('resume'));
  server = await startServerProcess(process.env.DATABASE_URL as string);
  url = server.url;
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  await server?.stop();
});

const total = 12;
const disconnectAfter = 4;

/**
 * Writes `total` changes to a new person while a first subscription (from the cursor before them) reads; cuts it
 * after `disconnectAfter` changes, mid-stream; opens a second one from the last change received; returns what
 * each delivered and what the log holds.
 */
async function resumeScenario(
  personId: string,
  open: (args: { after: string | null; personId: string; lastEventId?: string; label: string }) => Stream,
  /** What the second subscription sends, from the first one and the `after` it was opened with. */
  resumeFrom: (first: Stream, start: string | null) => { after: string | null; lastEventId?: string },
) {
  await createPerson(url, apiKey, personId);
  const start = (await readFeed(url, apiKey)).end;
  const first = open({ after: start, personId, label: `${personId} first` });
  streams.push(first);
  let written = 0;
  const writer = (async () => {
    for (let i = 0; i < total; i += 1) {
      await merge(url, apiKey, personId, 'end_user_read_write', { step: i, [`k${i % 3}`]: `${personId}-${i}` });
      written += 1;
      // Slow enough that the cut comes while changes are still being written.
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();
  await first.waitForChanges(disconnectAfter);
  first.close();
  const firstChanges = first.changes();
  expect(written, 'the cut came after the last write: not mid-stream').toBeLessThan(total);
  const second = open({ ...resumeFrom(first, start), personId, label: `${personId} second` });
  streams.push(second);
  await writer;
  const expected = (await readFeed(url, apiKey, start, personId)).changes;
  expect(expected.length).toBe(total);
  const secondChanges = await second.waitForChanges(total - firstChanges.length);
  // Anything more would be a duplicate; wait a little for one to show up.
  await merge(url, apiKey, personId, 'end_user_read_write', { step: 'marker' });
  await second.waitForChanges(total - firstChanges.length + 1);
  const all = [...firstChanges, ...second.changes().slice(0, -1)];
  expect(all.map((change) => change.cursor)).toEqual(expected.map((change) => change.cursor));
  expect(all).toEqual(expected);
  expectLogOrder(all, personId);
  expect(second.changes().at(-1)?.entries[0]?.after).toBe('marker');
  return { firstChanges, secondChanges, first, second };
}

const lastCursor = (stream: Stream) => (stream.changes().at(-1) as ChangeJson).cursor;

describe('resuming with `after`', () => {
  it('over graphql-ws', async () => {
    await resumeScenario(
      'ws-after',
      ({ after, personId, label }) =>
        subscribeWs({ url, auth: apiKey, query: personChangesDoc, variables: { after, personId }, label }),
      (first) => ({ after: lastCursor(first) }),
    );
  });

  it('over SSE', async () => {
    await resumeScenario(
      'sse-after',
      ({ after, personId, label }) =>
        subscribeSse({ url, auth: apiKey, query: personChangesDoc, variables: { after, personId }, label }),
      (first) => ({ after: lastCursor(first) }),
    );
  });
});

describe('resuming with Last-Event-ID (SSE)', () => {
  it('takes the last id line over the `after` the client sends again', async () => {
    const { first, second } = await resumeScenario(
      'sse-last-event-id',
      ({ after, personId, lastEventId, label }) =>
        subscribeSse({
          url,
          auth: apiKey,
          query: personChangesDoc,
          variables: { after, personId },
          headers: lastEventId ? { 'Last-Event-ID': lastEventId } : {},
          label,
        }),
      // As EventSource does: the same request again (the original `after`), plus the last event's id.
      (first, start) => ({ after: start, lastEventId: lastId(first) }),
    );
    expect(first.ids).toEqual(first.changes().map((change) => change.cursor));
    expect(second.ids).toEqual(second.changes().map((change) => change.cursor));
  });

  it('through the graphql-sse client, sending the header itself', async () => {
    let lastEventId: string | undefined;
    await resumeScenario(
      'gsse-last-event-id',
      ({ after, personId, label }) =>
        subscribeGraphqlSse({
          url,
          auth: apiKey,
          query: personChangesDoc,
          variables: { after, personId },
          headersFn: (): Record<string, string> => (lastEventId ? { 'Last-Event-ID': lastEventId } : {}),
          label,
        }),
      (first, start) => {
        // graphql-sse ignores `id:` lines: the client tracks the cursor from the payload.
        lastEventId = lastCursor(first);
        return { after: start };
      },
    );
  });

  it('refuses an id that is not a cursor of this API (BAD_USER_INPUT)', async () => {
    const stream = subscribeSse({
      url,
      auth: apiKey,
      query: personChangesDoc,
      headers: { 'Last-Event-ID': 'not-a-cursor' },
    });
    streams.push(stream);
    await stream.waitForEnd();
    expect(stream.completed).toBe(true);
    expect(stream.errorCodes()).toEqual(['BAD_USER_INPUT']);
  });
});

/** The last `id:` line the stream received. */
function lastId(stream: Stream): string {
  const id = stream.ids.filter((value): value is string => value !== undefined).at(-1);
  if (!id) throw new Error(`no id line on ${stream.describe()}`);
  return id;
}
