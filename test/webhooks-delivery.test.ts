import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/client.ts';
import { pruneDeliveries } from '../src/webhooks/delivery-store.ts';
import { startWebhookDispatcher, stopWebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { type ChangeJson, personChangesDoc } from './helpers/history.ts';
import { createAttributeMutation, setValueMutation, updateAttributeMutation } from './helpers/user-attributes.ts';
import {
  createEndpointDoc,
  type DeliveryJson,
  deliveriesDoc,
  type EndpointJson,
  replayDoc,
  rotateSecretDoc,
  until,
  updateEndpointDoc,
  verifyAll,
  WebhookReceiver,
} from './helpers/webhooks.ts';

// One attrql instance (this process: yoga.fetch for the API, its dispatcher delivering) and real HTTP receivers on
// the loopback interface. Every arrival's signature is checked with the `standardwebhooks` library.

process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE = 'true';
process.env.ATTRQL_WEBHOOK_RETRY_SCHEDULE = '0.05,0.1';
process.env.ATTRQL_WEBHOOK_TIMEOUT_MS = '1000';

let org: Awaited<ReturnType<typeof newOrg>>;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  org = await newOrg('hooks');
  startWebhookDispatcher();
});

afterAll(async () => {
  await stopWebhookDispatcher();
  await Promise.all(receivers.map((receiver) => receiver.stop()));
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start();
  receivers.push(started);
  return started;
}

async function createEndpoint(input: Record<string, unknown>, auth = org.apiKey) {
  const data = expectData(
    await gql<{ createWebhookEndpoint: { secret: string; endpoint: EndpointJson } }>(
      createEndpointDoc,
      { input },
      { auth },
    ),
  );
  return data.createWebhookEndpoint;
}

/** Merges `{ [key]: value }` into a person's bucket (creating the person first when asked). */
async function write(personId: string, attributes: Record<string, unknown>, auth = org.apiKey) {
  expectData(
    await gql(
      'mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { id } } }',
      { input: { personId, bucket: 'end_user_read_write', attributes } },
      { auth },
    ),
  );
}

async function createPerson(id: string, auth = org.apiKey) {
  expectData(
    await gql(
      'mutation C($input: CreatePersonInput!) { createPerson(input: $input) { person { id } } }',
      { input: { id } },
      { auth },
    ),
  );
}

async function feed(after: string | null, personId?: string): Promise<ChangeJson[]> {
  const data = expectData(
    await gql<{ personChanges: { nodes: ChangeJson[] } }>(
      personChangesDoc,
      { first: 100, after, personId },
      { auth: org.apiKey },
    ),
  );
  return data.personChanges.nodes;
}

async function deliveries(endpointId: string, args: Record<string, unknown> = {}) {
  const data = expectData(
    await gql<{
      webhookDeliveries: {
        nodes: DeliveryJson[];
        edges: { cursor: string }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }>(deliveriesDoc, { endpointId, ...args }, { auth: org.apiKey }),
  );
  return data.webhookDeliveries;
}

describe('webhook delivery (one instance)', () => {
  it('sends every later change once, in feed order, signed, as the personChanges JSON', async () => {
    const hook = await receiver();
    await createPerson('before');
    const { secret, endpoint } = await createEndpoint({ url: hook.url, description: 'crm' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    await createPerson('ada');
    for (let i = 0; i < 5; i += 1) await write('ada', { n: i });
    await until(
      () => hook.arrivals.length >= 6,
      10_000,
      () => `${hook.arrivals.length} arrivals`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    expect(hook.arrivals).toHaveLength(6);
    const verified = verifyAll(hook.arrivals, secret) as { type: string; timestamp: string; data: ChangeJson }[];
    // Exactly what the personChanges query shows for the same changes (same cursors, same JSON).
    const all = await feed(null);
    const expected = all.filter((change) => change.personId === 'ada');
    expect(verified.map((body) => body.data)).toEqual(expected);
    expect(verified.every((body) => body.type === 'person.changed')).toBe(true);
    expect(verified.map((body) => body.timestamp)).toEqual(expected.map((change) => change.at));
    expect(new Set(hook.arrivals.map((a) => a.id)).size).toBe(6);
    const page = await deliveries(endpoint.id);
    expect(page.nodes.map((d) => d.status)).toEqual(Array(6).fill('DELIVERED'));
    expect(page.nodes.map((d) => d.changeCursor)).toEqual(expected.map((c) => c.cursor).reverse()); // newest first
    expect(page.nodes.map((d) => d.webhookId)).toEqual(hook.arrivals.map((a) => a.id).reverse());
    expect(page.nodes.every((d) => d.attempts === 1 && d.lastStatusCode === 204 && d.deliveredAt)).toBe(true);
  });

  it('retries a failing change with the same webhook-id, sending nothing after it first', async () => {
    const hook = await receiver();
    const { secret, endpoint } = await createEndpoint({ url: hook.url, personId: 'retry' });
    await createPerson('retry');
    // The CREATED change fails twice, then goes through; the later changes wait for it.
    let first: string | null = null;
    hook.reply = (arrival, attempts) => {
      first ??= arrival.id;
      return arrival.id === first && attempts <= 2 ? 503 : 200;
    };
    await write('retry', { a: 1 });
    await write('retry', { a: 2 });
    await until(
      () => hook.arrivals.length >= 5,
      10_000,
      () => `${hook.arrivals.length} arrivals`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    verifyAll(hook.arrivals, secret);
    const ids = hook.arrivals.map((a) => a.id);
    expect(ids.slice(0, 3)).toEqual([first, first, first]);
    expect(new Set(ids.slice(3)).size).toBe(2);
    expect(ids).toHaveLength(5);
    const kinds = hook.changes().map((change) => change.kind);
    expect(kinds).toEqual(['CREATED', 'CREATED', 'CREATED', 'UPDATED', 'UPDATED']);
    const [latest, , oldest] = (await deliveries(endpoint.id)).nodes;
    expect(oldest).toMatchObject({ webhookId: first, status: 'DELIVERED', attempts: 3, lastStatusCode: 200 });
    expect(latest?.attempts).toBe(1);
  });

  it('marks a change FAILED after the last retry and sends the next one', async () => {
    const hook = await receiver();
    const { endpoint } = await createEndpoint({ url: hook.url, personId: 'doomed' });
    let doomed: string | null = null;
    hook.reply = (arrival) => {
      doomed ??= arrival.id;
      return arrival.id === doomed ? 500 : 204;
    };
    await createPerson('doomed');
    await until(
      async () => hook.arrivals.length >= 2,
      10_000,
      () => `${hook.arrivals.length} arrivals`,
    );
    // While retrying, the endpoint says since when it fails.
    const failing = expectData(
      await gql<{ webhookEndpoints: EndpointJson[] }>(
        '{ webhookEndpoints { id failingSince } }',
        {},
        { auth: org.apiKey },
      ),
    );
    expect(failing.webhookEndpoints.find((e) => e.id === endpoint.id)?.failingSince).not.toBeNull();
    await until(
      () => hook.arrivals.length >= 3,
      10_000,
      () => `${hook.arrivals.length} arrivals`,
    );
    await write('doomed', { after: 'failure' });
    await until(
      () => hook.arrivals.length >= 4,
      10_000,
      () => `${hook.arrivals.length} arrivals`,
    );
    // 1 attempt + 2 retries of the schedule "0.05,0.1", then the next change.
    expect(hook.arrivals.map((a) => a.id).filter((id) => id === doomed)).toHaveLength(3);
    expect(hook.changes().at(-1)?.kind).toBe('UPDATED');
    const { nodes } = await deliveries(endpoint.id);
    await until(
      async () => (await deliveries(endpoint.id)).nodes[0]?.status === 'DELIVERED',
      5000,
      () => 'not delivered',
    );
    expect(nodes.at(-1)).toMatchObject({ status: 'FAILED', attempts: 3, lastStatusCode: 500, nextAttemptAt: null });
    expect(nodes.at(-1)?.lastError).toContain('HTTP 500');
    const failed = await deliveries(endpoint.id, { status: 'FAILED' });
    expect(failed.nodes.map((d) => d.webhookId)).toEqual([doomed]);
    const after = expectData(
      await gql<{ webhookEndpoints: EndpointJson[] }>(
        '{ webhookEndpoints { id failingSince lastDeliveredAt } }',
        {},
        { auth: org.apiKey },
      ),
    );
    const now = after.webhookEndpoints.find((e) => e.id === endpoint.id);
    expect(now?.failingSince).toBeNull();
    expect(now?.lastDeliveredAt).not.toBeNull();
  });

  it('keeps endpoints independent: one answering 503 and one hanging do not delay a healthy one', async () => {
    const [failing, hanging, healthy] = [await receiver(), await receiver(), await receiver()];
    failing.reply = () => 503;
    hanging.reply = () => 'hang';
    for (const hook of [failing, hanging, healthy]) await createEndpoint({ url: hook.url, personId: 'iso' });
    await createPerson('iso');
    const started = performance.now();
    for (let i = 0; i < 10; i += 1) await write('iso', { i });
    await until(
      () => healthy.arrivals.length >= 11,
      5000,
      () => `${healthy.arrivals.length} arrivals`,
    );
    // Every change reached the healthy endpoint promptly, though the hanging one holds each attempt for 1 s.
    expect(performance.now() - started).toBeLessThan(3000);
    expect(healthy.changes().map((c) => c.kind)).toEqual(['CREATED', ...Array(10).fill('UPDATED')]);
    // The others work through their own changes one at a time: each change's attempts in a row, at most 3.
    for (const hook of [failing, hanging]) {
      const ids = hook.arrivals.map((a) => a.id);
      const runs = ids.filter((id, i) => id !== ids[i - 1]);
      expect(new Set(runs).size, ids.join(',')).toBe(runs.length);
      for (const id of runs) expect(ids.filter((x) => x === id).length).toBeLessThanOrEqual(3);
    }
    expect(hanging.arrivals.length).toBeLessThan(healthy.arrivals.length);
  });

  it('signs with both secrets after a rotation, each verifiable on its own', async () => {
    const hook = await receiver();
    const created = await createEndpoint({ url: hook.url, personId: 'rot' });
    const rotated = expectData(
      await gql<{ rotateWebhookSecret: { secret: string } }>(
        rotateSecretDoc,
        { id: created.endpoint.id },
        { auth: org.apiKey },
      ),
    ).rotateWebhookSecret.secret;
    expect(rotated).not.toBe(created.secret);
    await createPerson('rot');
    await until(
      () => hook.arrivals.length >= 1,
      5000,
      () => 'no arrival',
    );
    expect(hook.arrivals[0]?.signature.split(' ')).toHaveLength(2);
    verifyAll(hook.arrivals, rotated);
    verifyAll(hook.arrivals, created.secret);
  });

  it('filters by area', async () => {
    const hook = await receiver();
    const { secret } = await createEndpoint({ url: hook.url, personId: 'filt', areas: ['PERSON'] });
    await createPerson('filt');
    await write('filt', { ignored: true }); // ATTRIBUTE only: not sent
    expectData(
      await gql(
        'mutation P($input: PatchPersonInput!) { patchPerson(input: $input) { person { id } } }',
        { input: { personId: 'filt', active: false } },
        { auth: org.apiKey },
      ),
    );
    await until(
      () => hook.arrivals.length >= 2,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const changes = (verifyAll(hook.arrivals, secret) as { data: ChangeJson }[]).map((b) => b.data);
    expect(changes).toHaveLength(2);
    expect(changes.flatMap((c) => c.entries).every((e) => e.area === 'PERSON')).toBe(true);
    expect(changes[1]?.entries).toEqual([{ area: 'PERSON', bucket: null, name: 'active', before: true, after: false }]);
  });

  it('sends valueIsHidden values as null, also those logged before the flag was set', async () => {
    const hook = await receiver();
    const { endpoint, secret } = await createEndpoint({ url: hook.url, personId: 'secret', areas: ['USER_ATTRIBUTE'] });
    await createPerson('secret');
    const attribute = expectData(
      await gql<{ createUserAttribute: { userAttribute: { id: string } } }>(
        createAttributeMutation,
        { input: { name: 'salary', label: 'Salary', type: 'STRING' } },
        { auth: org.apiKey },
      ),
    ).createUserAttribute.userAttribute.id;
    expectData(
      await gql(
        setValueMutation,
        { input: { userId: 'secret', userAttributeId: attribute, value: '100' } },
        { auth: org.apiKey },
      ),
    );
    await until(
      () => hook.arrivals.length >= 1,
      5000,
      () => 'no arrival',
    );
    const shown = (verifyAll(hook.arrivals, secret) as { data: ChangeJson }[])[0]?.data;
    expect(shown?.entries).toEqual([
      { area: 'USER_ATTRIBUTE', bucket: null, name: 'salary', before: null, after: '100' },
    ]);
    expectData(
      await gql(
        updateAttributeMutation,
        { input: { userAttributeId: attribute, valueIsHidden: true } },
        { auth: org.apiKey },
      ),
    );
    const [created] = await feed(null, 'secret');
    expectData(await gql(replayDoc, { id: endpoint.id, after: created?.cursor }, { auth: org.apiKey }));
    await until(
      () => hook.arrivals.length >= 2,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    const replayed = (verifyAll(hook.arrivals, secret) as { data: ChangeJson }[])[1]?.data;
    expect(replayed?.cursor).toBe(shown?.cursor);
    expect(replayed?.entries).toEqual([
      { area: 'USER_ATTRIBUTE', bucket: null, name: 'salary', before: null, after: null },
    ]);
  });

  it('replays every change after a cursor, in order, with new webhook-ids', async () => {
    const hook = await receiver();
    const { endpoint, secret } = await createEndpoint({ url: hook.url, personId: 'replay' });
    await createPerson('replay');
    for (let i = 0; i < 3; i += 1) await write('replay', { i });
    await until(
      () => hook.arrivals.length >= 4,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    const firstRound = hook.changes();
    const replayed = expectData(
      await gql<{ replayWebhookEndpoint: EndpointJson }>(
        replayDoc,
        { id: endpoint.id, after: firstRound[0]?.cursor },
        { auth: org.apiKey },
      ),
    );
    expect(replayed.replayWebhookEndpoint.id).toBe(endpoint.id);
    await until(
      () => hook.arrivals.length >= 7,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.arrivals).toHaveLength(7);
    verifyAll(hook.arrivals, secret);
    expect(hook.changes().slice(4)).toEqual(firstRound.slice(1));
    expect(new Set(hook.arrivals.map((a) => a.id)).size).toBe(7);
  });

  it('a replay to the position just recorded sends again what was delivered but not yet recorded', async () => {
    const hook = await receiver();
    const { endpoint } = await createEndpoint({ url: hook.url, personId: 'replay-race' });
    await createPerson('replay-race');
    const delivered = async () =>
      expectData(
        await gql<{ webhookDeliveries: { nodes: DeliveryJson[] } }>(
          deliveriesDoc,
          { endpointId: endpoint.id },
          { auth: org.apiKey },
        ),
      ).webhookDeliveries.nodes.filter((delivery) => delivery.status === 'DELIVERED').length;
    await until(
      async () => (await delivered()) === 1,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    const [created] = hook.changes();
    // The next change's delivery succeeds only after a replay to the created change's cursor (the recorded
    // position) has committed: the successful delivery is then still in the worker's unrecorded batch.
    let replays = 0;
    hook.beforeReply = async () => {
      if (replays++ > 0) return;
      expectData(await gql(replayDoc, { id: endpoint.id, after: created?.cursor }, { auth: org.apiKey }));
    };
    await write('replay-race', { x: 1 });
    await until(
      () => hook.arrivals.length >= 3,
      5000,
      () => `${hook.arrivals.length} arrivals: the replay did not send the merge again`,
    );
    const cursors = hook.changes().map((change) => change.cursor);
    expect(cursors[1]).not.toBe(created?.cursor);
    expect(cursors).toEqual([created?.cursor, cursors[1], cursors[1]]);
    expect(new Set(hook.arrivals.map((arrival) => arrival.id)).size).toBe(3);
  });

  it('pauses a disabled endpoint and resumes where it stopped', async () => {
    const hook = await receiver();
    const { endpoint } = await createEndpoint({ url: hook.url, personId: 'pause' });
    expectData(await gql(updateEndpointDoc, { input: { id: endpoint.id, enabled: false } }, { auth: org.apiKey }));
    await createPerson('pause');
    await write('pause', { x: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(hook.arrivals).toHaveLength(0);
    expectData(await gql(updateEndpointDoc, { input: { id: endpoint.id, enabled: true } }, { auth: org.apiKey }));
    await until(
      () => hook.arrivals.length >= 2,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    expect(hook.changes().map((c) => c.kind)).toEqual(['CREATED', 'UPDATED']);
  });

  it('pages deliveries newest first with cursors', async () => {
    const hook = await receiver();
    const { endpoint } = await createEndpoint({ url: hook.url, personId: 'pages' });
    await createPerson('pages');
    for (let i = 0; i < 4; i += 1) await write('pages', { i });
    await until(
      () => hook.arrivals.length >= 5,
      5000,
      () => `${hook.arrivals.length} arrivals`,
    );
    await until(
      async () => (await deliveries(endpoint.id)).nodes[0]?.status === 'DELIVERED',
      5000,
      () => 'pending',
    );
    const first = await deliveries(endpoint.id, { first: 2 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await deliveries(endpoint.id, { first: 2, after: first.pageInfo.endCursor });
    const third = await deliveries(endpoint.id, { first: 2, after: second.pageInfo.endCursor });
    expect(third.pageInfo.hasNextPage).toBe(false);
    const ids = [...first.nodes, ...second.nodes, ...third.nodes].map((d) => d.webhookId);
    expect(ids).toEqual(hook.arrivals.map((a) => a.id).reverse());
  });

  it('follows no redirect: a 302 to a private address is a failed attempt, and its target gets nothing', async () => {
    const [redirecting, target] = [await receiver(), await receiver()];
    redirecting.reply = () => ({ status: 302, headers: { location: target.url } });
    const { endpoint } = await createEndpoint({ url: redirecting.url, personId: 'redir' });
    await createPerson('redir');
    await until(
      () => redirecting.arrivals.length >= 3,
      5000,
      () => `${redirecting.arrivals.length} arrivals`,
    );
    await until(
      async () => (await deliveries(endpoint.id)).nodes[0]?.status === 'FAILED',
      5000,
      () => 'not failed',
    );
    expect((await deliveries(endpoint.id)).nodes[0]).toMatchObject({ attempts: 3, lastStatusCode: 302 });
    expect(target.arrivals).toHaveLength(0);
  });

  it('checks the address again at each attempt: loopback by address or by name gets no connection without the setting', async () => {
    // A TCP listener on loopback that counts connections: an https:// URL pointing at it passes the scheme rule, so
    // only the address check (before connecting, and in the socket's own lookup for a name) keeps attempts away.
    let connections = 0;
    const listener = createNetServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    const endpoints = [
      (await createEndpoint({ url: `https://127.0.0.1:${port}/hook`, personId: 'ssrf' })).endpoint,
      (await createEndpoint({ url: `https://localhost:${port}/hook`, personId: 'ssrf' })).endpoint,
    ];
    process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE = 'false';
    try {
      await createPerson('ssrf');
      for (const endpoint of endpoints) {
        await until(
          async () => (await deliveries(endpoint.id)).nodes[0]?.status === 'FAILED',
          5000,
          () => 'not failed',
        );
        const [delivery] = (await deliveries(endpoint.id)).nodes;
        expect(delivery).toMatchObject({ attempts: 3, lastStatusCode: null });
        expect(delivery?.lastError).toMatch(/^refused: .*(127\.0\.0\.1|::1)/);
      }
      expect(connections).toBe(0);
    } finally {
      process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE = 'true';
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it("never sends one organization's changes to another's endpoint", async () => {
    const second = await newOrg('hooks-other');
    const [ours, theirs] = [await receiver(), await receiver()];
    const mine = await createEndpoint({ url: ours.url });
    const foreign = await createEndpoint({ url: theirs.url }, second.apiKey);
    await createPerson('shared-id');
    await createPerson('shared-id', second.apiKey);
    await write('shared-id', { org: 'first' });
    await write('shared-id', { org: 'second' }, second.apiKey);
    await until(
      () => ours.arrivals.length >= 2 && theirs.arrivals.length >= 2,
      5000,
      () => 'not delivered',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const theirChanges = verifyAll(theirs.arrivals, foreign.secret) as { data: ChangeJson }[];
    expect(theirChanges.map((b) => b.data.entries.filter((e) => e.area === 'ATTRIBUTE').map((e) => e.after))).toEqual([
      [],
      ['second'],
    ]);
    const ourChanges = verifyAll(ours.arrivals, mine.secret) as { data: ChangeJson }[];
    expect(ourChanges.map((b) => b.data.entries.filter((e) => e.area === 'ATTRIBUTE').map((e) => e.after))).toEqual([
      [],
      ['first'],
    ]);
    expect(() => verifyAll(theirs.arrivals, mine.secret)).toThrow();
  });

  it('prunes finished deliveries older than the history kept, never a pending one, and keeps no body once finished', async () => {
    const [done, stuck] = [await receiver(), await receiver()];
    stuck.reply = () => 503;
    process.env.ATTRQL_WEBHOOK_RETRY_SCHEDULE = '60';
    try {
      const finished = (await createEndpoint({ url: done.url, personId: 'prune' })).endpoint;
      const pending = (await createEndpoint({ url: stuck.url, personId: 'prune' })).endpoint;
      await createPerson('prune');
      await until(
        async () => (await deliveries(finished.id)).nodes[0]?.status === 'DELIVERED',
        5000,
        () => 'pending',
      );
      await until(
        async () => (await deliveries(pending.id)).nodes[0]?.attempts === 1,
        5000,
        () => 'not tried',
      );
      const bodies = await sql.all(
        `SELECT "endpointId", "body" FROM "WebhookDelivery" WHERE "endpointId" IN ($1, $2)`,
        [finished.id, pending.id],
      );
      expect(bodies.find((row) => row.endpointId === finished.id)?.body).toBe('');
      expect(bodies.find((row) => row.endpointId === pending.id)?.body).toContain('"person.changed"');
      const deleted = await pruneDeliveries(new Date(Date.now() + 60_000));
      expect(deleted).toBeGreaterThan(0);
      expect((await deliveries(finished.id)).nodes).toEqual([]);
      expect((await deliveries(pending.id)).nodes.map((d) => d.status)).toEqual(['PENDING']);
    } finally {
      process.env.ATTRQL_WEBHOOK_RETRY_SCHEDULE = '0.05,0.1';
    }
  });
});
