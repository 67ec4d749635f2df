import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/domain/organizations.ts';
import { onPostgres } from './helpers/database.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import { createPerson, merge, personChangesDoc, readFeed, type Stream, subscribeSse } from './helpers/subscriptions.ts';

// CONTRACT §10: a change committed through another instance reaches a subscriber within 1 s, also right after the
// subscriber's instance started its feed. The first subscription of an instance starts the feed; a write through
// the other instance lands 0–150 ms after the subscription was acknowledged, then a second one at once after the
// first arrived. On SQLite the feed learns of other processes' commits by polling PRAGMA data_version: a baseline
// taken after the feed's position (it was taken at the first poll, 100 ms after the start) made a commit in between
// the baseline itself, and that change waited for the next write. Every trial uses a fresh instance.

const delaysMs = [0, 10, 50, 100, 150];
// Each trial needs a fresh process (~10 s to start on a loaded 2-core machine): one round by default.
const rounds = Number(process.env.START_RACE_ROUNDS ?? 1);
const rw = 'end_user_read_write';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let writer: ServerProcess;
let apiKey: string;
const started: ServerProcess[] = [];
/** The instance starting for the next trial, if any (stopped at the end too). */
let starting: Promise<ServerProcess> | null = null;
const streams: Stream[] = [];

beforeAll(async () => {
  ({ apiKey } = await createOrganization('start-race'));
  writer = await startServerProcess(process.env.DATABASE_URL as string);
  await createPerson(writer.url, apiKey, 'racer');
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  await starting?.catch(() => null);
  await Promise.all([writer, ...started].map((instance) => instance?.stop()));
});

/** Merges `value` through the writer; resolves with how long until `stream` delivered it (Infinity: not in 5 s). */
async function latencyOf(stream: Stream, value: string): Promise<number> {
  await merge(writer.url, apiKey, 'racer', rw, { value });
  const written = Date.now();
  const arrived = (change: { entries: { after: unknown }[] }) => change.entries.some((entry) => entry.after === value);
  const delivered = await stream.waitForChange(value, arrived, 5000).then(
    () => true,
    () => false,
  );
  return delivered ? Date.now() - written : Number.POSITIVE_INFINITY;
}

describe(`the first subscriber of an instance (${onPostgres ? 'PostgreSQL' : 'SQLite'}, two processes)`, () => {
  it(`receives writes through the other instance ${delaysMs.join(', ')} ms after it subscribed, each within 1 s`, async () => {
    const slow: string[] = [];
    const trials = Array.from({ length: rounds }, (_, round) => delaysMs.map((delay) => ({ round, delay }))).flat();
    // Fresh instances, no subscriber yet on any; the next one starts while a trial runs on the current one.
    const startOne = () => {
      starting = startServerProcess(process.env.DATABASE_URL as string).then((instance) => {
        started.push(instance);
        return instance;
      });
      return starting;
    };
    let next = startOne();
    for (const [index, { round, delay }] of trials.entries()) {
      const instance = await next;
      starting = null;
      if (index + 1 < trials.length) next = startOne();
      const after = (await readFeed(writer.url, apiKey)).end;
      const label = `round ${round}, ${delay} ms`;
      const stream = subscribeSse({
        url: instance.url,
        auth: apiKey,
        query: personChangesDoc,
        variables: { after, personId: 'racer' },
        label,
      });
      streams.push(stream);
      expect((await stream.response).status, label).toBe(200);
      await sleep(delay);
      const first = await latencyOf(stream, `${round}-${delay}-first`);
      const second = await latencyOf(stream, `${round}-${delay}-second`);
      for (const [which, ms] of [['first', first] as const, ['second', second] as const]) {
        if (ms === Number.POSITIVE_INFINITY) slow.push(`${label}: the ${which} write did not arrive within 5 s`);
        else if (ms >= 1000) slow.push(`${label}: the ${which} write arrived after ${ms} ms`);
      }
      stream.close();
      await instance.stop();
    }
    expect(slow).toEqual([]);
    // And each subscriber got exactly its two writes, in order.
    for (const stream of streams) {
      const [round, delay] = (/round (\d+), (\d+) ms/.exec(stream.label) ?? []).slice(1);
      expect(
        stream.changes().map((change) => change.entries[0]?.after),
        stream.label,
      ).toEqual([`${round}-${delay}-first`, `${round}-${delay}-second`]);
    }
  }, 240_000);
});
