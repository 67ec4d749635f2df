import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createOrganization, revokeApiKey } from '../src/domain/organizations.ts';
import { type ServerProcess, startServerProcess } from './helpers/server-process.ts';
import {
  type ChangeJson,
  createPerson,
  httpData,
  merge,
  mintToken,
  myChangesDoc,
  personChangesDoc,
  readFeed,
  type Stream,
  subscribeSse,
  subscribeWs,
  untilLive,
  waitFor,
  wsClient,
} from './helpers/subscriptions.ts';

// CONTRACT §10 (and §2): who sees which live changes, and when a subscription is refused or ended — over SSE
// and over WebSocket, against a real attrql process.

let server: ServerProcess;
let url: string;
let org1: { orgId: string; apiKey: string };
let org2: { orgId: string; apiKey: string };
const streams: Stream[] = [];
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  [org1, org2] = await Promise.all([createOrganization('access-1'), createOrganization('access-2')]);
  server = await startServerProcess(process.env.DATABASE_URL as string);
  url = server.url;
  await createPerson(url, org1.apiKey, 'probe');
  await createBucket('private_bucket', 'NO_ACCESS');
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.close();
  for (const cleanup of cleanups) await cleanup();
  await server?.stop();
});

const createBucket = (name: string, endUserPermissions: string) =>
  httpData(
    url,
    org1.apiKey,
    'mutation B($input: CreateAttributeBucketInput!) { createAttributeBucket(input: $input) { bucket { name } } }',
    { input: { name, endUserPermissions } },
  );

const track = <T extends Stream>(stream: T): T => {
  streams.push(stream);
  return stream;
};
const probe = (value: string) => merge(url, org1.apiKey, 'probe', 'end_user_read_write', { value });
const isProbe = (change: ChangeJson) => change.personId === 'probe';

/** A subscription over each transport. */
const transports = {
  sse: (auth: string, query: string, variables: Record<string, unknown> = {}, label = 'sse') =>
    track(subscribeSse({ url, auth, query, variables, label })),
  ws: (auth: string, query: string, variables: Record<string, unknown> = {}, label = 'ws') =>
    track(subscribeWs({ url, auth, query, variables, label })),
};

describe('isolation', () => {
  it("never delivers another organization's changes", async () => {
    await createPerson(url, org2.apiKey, 'shared');
    await createPerson(url, org1.apiKey, 'shared');
    const start1 = (await readFeed(url, org1.apiKey)).end;
    const start2 = (await readFeed(url, org2.apiKey)).end;
    const subscribers = [
      transports.sse(org1.apiKey, personChangesDoc, { after: start1 }, 'org1 sse'),
      transports.ws(org1.apiKey, personChangesDoc, { after: start1 }, 'org1 ws'),
      transports.ws(org1.apiKey, personChangesDoc, { after: start1, personId: 'shared' }, 'org1 ws shared'),
    ];
    const other = transports.sse(org2.apiKey, personChangesDoc, { after: start2 }, 'org2 sse');
    for (let i = 0; i < 5; i += 1) {
      await merge(url, org2.apiKey, 'shared', 'end_user_read_write', { secret: `org2-${i}` });
      await createPerson(url, org2.apiKey, `org2-only-${i}`);
    }
    await merge(url, org1.apiKey, 'shared', 'end_user_read_write', { marker: 'org1' });
    // org2's subscriber got org2's 10 changes: they were there to leak.
    await other.waitForChanges(10);
    const org1Feed = (await readFeed(url, org1.apiKey, start1)).changes;
    for (const stream of subscribers) {
      await stream.waitForChange('the org1 marker', (change) => change.entries.some((e) => e.after === 'org1'));
      expect(JSON.stringify(stream.results)).not.toMatch(/org2/);
    }
    expect(subscribers[0]?.changes()).toEqual(org1Feed);
    expect(subscribers[1]?.changes()).toEqual(org1Feed);
    expect(subscribers[2]?.changes()).toEqual(org1Feed.filter((change) => change.personId === 'shared'));
  });

  for (const transport of ['sse', 'ws'] as const) {
    it(`myChanges shows a person token only its own changes, without NO_ACCESS buckets (${transport})`, async () => {
      const me = `me-${transport}`;
      const other = `other-${transport}`;
      const privateBucket = 'private_bucket';
      await createPerson(url, org1.apiKey, me);
      await createPerson(url, org1.apiKey, other);
      const token = await mintToken(url, org1.apiKey, me);
      const start = (await readFeed(url, org1.apiKey)).end;
      const mine = transports[transport](token, myChangesDoc, { after: start }, `myChanges ${transport}`);
      await merge(url, org1.apiKey, me, 'end_user_read_write', { a: 1 });
      await merge(url, org1.apiKey, other, 'end_user_read_write', { a: 'other-value' });
      await merge(url, org1.apiKey, me, 'end_user_no_access', { secret: 'hidden-value' });
      await merge(url, org1.apiKey, me, privateBucket, { secret: 'hidden-value' });
      await merge(url, org1.apiKey, other, 'end_user_no_access', { secret: 'hidden-value' });
      await merge(url, org1.apiKey, me, 'end_user_read_only', { b: 2 });
      await merge(url, org1.apiKey, me, 'end_user_read_write', { marker: true });
      await mine.waitForChange('the marker', (change) => change.entries.some((e) => e.name === 'marker'));
      const feed = (await readFeed(url, org1.apiKey, start)).changes;
      const visible = new Set(['end_user_read_write', 'end_user_read_only']);
      const expected = feed
        .filter((change) => change.personId === me)
        .map((change) => ({
          ...change,
          entries: change.entries.filter((e) => e.area !== 'ATTRIBUTE' || visible.has(e.bucket as string)),
        }))
        .filter((change) => change.entries.length > 0);
      expect(expected.length).toBe(3);
      expect(mine.changes().map((change) => ({ cursor: change.cursor, entries: change.entries }))).toEqual(
        expected.map((change) => ({ cursor: change.cursor, entries: change.entries })),
      );
      expect(JSON.stringify(mine.results)).not.toMatch(/hidden-value|other-value|end_user_no_access|private_/);
    });
  }
  it('myChanges hides a NO_ACCESS bucket created while the subscription is open', async () => {
    await createPerson(url, org1.apiKey, 'newcomer');
    const token = await mintToken(url, org1.apiKey, 'newcomer');
    const mine = transports.ws(token, myChangesDoc, {}, 'newcomer ws');
    const visibleWrite = (value: string) => merge(url, org1.apiKey, 'newcomer', 'end_user_read_write', { value });
    await untilLive([mine], visibleWrite, (change) => change.personId === 'newcomer');
    await createBucket('created_later', 'NO_ACCESS');
    await merge(url, org1.apiKey, 'newcomer', 'created_later', { secret: 'hidden-value' });
    await visibleWrite('marker');
    await mine.waitForChange('the marker', (change) => change.entries.some((e) => e.after === 'marker'));
    expect(JSON.stringify(mine.results), mine.describe()).not.toMatch(/hidden-value|created_later/);
  });
});

describe('revocation ends a subscription with UNAUTHENTICATED within 5 s', () => {
  /** Waits for each stream to end; checks it ended with UNAUTHENTICATED, then completed, in time. */
  async function expectEndedUnauthenticated(subscribers: Stream[], since: number) {
    for (const stream of subscribers) {
      await stream.waitForEnd(6000);
      const after = Date.now() - since;
      expect(after, stream.describe()).toBeLessThan(5000);
      expect(stream.completed, stream.describe()).toBe(true);
      expect(stream.errorCodes(), stream.describe()).toEqual(['UNAUTHENTICATED']);
    }
  }

  it('of a revoked API key', async () => {
    const { apiKey } = await createApiKey(org1.orgId);
    const subscribers = [
      transports.sse(apiKey, personChangesDoc, {}, 'revoked sse'),
      transports.ws(apiKey, personChangesDoc, {}, 'revoked ws'),
    ];
    await untilLive(subscribers, probe, isProbe);
    await revokeApiKey(apiKey);
    await expectEndedUnauthenticated(subscribers, Date.now());
  });

  it('of a deactivated person', async () => {
    await createPerson(url, org1.apiKey, 'leaver');
    const token = await mintToken(url, org1.apiKey, 'leaver');
    const subscribers = [
      transports.sse(token, myChangesDoc, {}, 'leaver sse'),
      transports.ws(token, myChangesDoc, {}, 'leaver ws'),
    ];
    await untilLive(
      subscribers,
      (value) => merge(url, org1.apiKey, 'leaver', 'end_user_read_write', { value }),
      (change) => change.personId === 'leaver',
    );
    await httpData(
      url,
      org1.apiKey,
      'mutation P($input: PatchPersonInput!) { patchPerson(input: $input) { person { id } } }',
      {
        input: { personId: 'leaver', active: false },
      },
    );
    await expectEndedUnauthenticated(subscribers, Date.now());
  });

  it('of a deleted person', async () => {
    await createPerson(url, org1.apiKey, 'goner');
    const token = await mintToken(url, org1.apiKey, 'goner');
    const subscribers = [
      transports.ws(token, myChangesDoc, {}, 'goner ws'),
      transports.sse(token, myChangesDoc, {}, 'goner sse'),
    ];
    await untilLive(
      subscribers,
      (value) => merge(url, org1.apiKey, 'goner', 'end_user_read_write', { value }),
      (change) => change.personId === 'goner',
    );
    await httpData(
      url,
      org1.apiKey,
      'mutation D($input: DeletePersonInput!) { deletePerson(input: $input) { deletedPersonId } }',
      {
        input: { personId: 'goner' },
      },
    );
    await expectEndedUnauthenticated(subscribers, Date.now());
  });
});

describe('limits and refusals', () => {
  it('lets 100 subscriptions of one credential open; the 101st is RATE_LIMITED until one closes', async () => {
    const { apiKey } = await createApiKey(org1.orgId);
    const client = wsClient(url, { Authorization: `Bearer ${apiKey}` });
    cleanups.push(() => client.dispose());
    const open = Array.from({ length: 100 }, (_, i) =>
      track(subscribeWs({ url, client, query: personChangesDoc, label: `#${i + 1}` })),
    );
    await untilLive(open, probe, isProbe, 30_000);
    for (const stream of open) expect(stream.ended, stream.describe()).toBe(false);
    const overSse = transports.sse(apiKey, personChangesDoc, {}, '101st sse');
    const overWs = track(subscribeWs({ url, client, query: personChangesDoc, label: '101st ws' }));
    for (const stream of [overSse, overWs]) {
      await stream.waitForEnd();
      expect(stream.completed, stream.describe()).toBe(true);
      expect(stream.errorCodes()).toEqual(['RATE_LIMITED']);
      expect(stream.errors()[0]?.extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    }
    // Another credential is not affected.
    const otherKey = transports.ws(org1.apiKey, personChangesDoc, {}, 'other key');
    await untilLive([otherKey], probe, isProbe);
    open[0]?.close();
    // Once the closed one's slot is free, a new one opens (the close may take a moment to reach the server).
    await waitFor(
      'a free slot',
      async () => {
        const again = transports.sse(apiKey, personChangesDoc, {}, 'after close');
        try {
          await untilLive([again], probe, isProbe);
          return true;
        } catch {
          expect(again.errorCodes(), again.describe()).toEqual(['RATE_LIMITED']);
          return false;
        }
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    for (const stream of open.slice(1)) expect(stream.ended, stream.describe()).toBe(false);
    expect(otherKey.ended).toBe(false);
  });

  for (const transport of ['sse', 'ws'] as const) {
    it(`refuses a bad or expired cursor with BAD_USER_INPUT (${transport})`, async () => {
      const token = await mintToken(url, org1.apiKey, 'probe');
      const expired = Buffer.from('v1:0:1:1000').toString('base64url'); // 1970: older than any retention
      const refused = [
        transports[transport](org1.apiKey, personChangesDoc, { after: 'not-a-cursor' }),
        transports[transport](org1.apiKey, personChangesDoc, { after: expired }),
        transports[transport](token, myChangesDoc, { after: 'not-a-cursor' }),
      ];
      for (const stream of refused) {
        await stream.waitForEnd();
        expect(stream.completed, stream.describe()).toBe(true);
        expect(stream.errorCodes(), stream.describe()).toEqual(['BAD_USER_INPUT']);
        expect(stream.errors()[0]?.extensions?.issues).toEqual([{ path: ['after'], message: expect.any(String) }]);
      }
    });

    it(`keeps each root field to its credential: FORBIDDEN otherwise (${transport})`, async () => {
      const token = await mintToken(url, org1.apiKey, 'probe', ['user:attributes:write']);
      const refused = [
        transports[transport](token, personChangesDoc, {}, 'person token on personChanges'),
        transports[transport](org1.apiKey, myChangesDoc, {}, 'API key on myChanges'),
      ];
      for (const stream of refused) {
        await stream.waitForEnd();
        expect(stream.completed, stream.describe()).toBe(true);
        expect(stream.errorCodes(), stream.describe()).toEqual(['FORBIDDEN']);
      }
    });
  }
});
