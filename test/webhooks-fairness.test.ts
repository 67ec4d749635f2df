import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.ts';
import { expectData, gql, newOrg } from './helpers/graphql.ts';
import { createEndpointDoc, until, WebhookReceiver } from './helpers/webhooks.ts';

// Many failing endpoints must not starve a healthy one. This instance's dispatcher gets 2 slots for healthy
// endpoints and 4 for failing ones (the server's are 32 and 8): eight endpoints that hang past the timeout would,
// sharing the healthy slots, hold both of them most of the time.

process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE = 'true';
process.env.ATTRQL_WEBHOOK_RETRY_SCHEDULE = '0.05,0.1';
process.env.ATTRQL_WEBHOOK_TIMEOUT_MS = '1000';

let org: Awaited<ReturnType<typeof newOrg>>;
const dispatcher = new WebhookDispatcher({ healthy: 2, failing: 4 });
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  org = await newOrg('fairness');
  dispatcher.start();
});

afterAll(async () => {
  await dispatcher.stop();
  await Promise.all(receivers.map((receiver) => receiver.stop()));
});

async function write(i: number) {
  expectData(
    await gql(
      'mutation M($input: UpdatePersonAttributesInput!) { updatePersonAttributes(input: $input) { person { id } } }',
      { input: { personId: 'fair', bucket: 'end_user_read_write', attributes: { i } } },
      { auth: org.apiKey },
    ),
  );
}

describe('webhook fairness', () => {
  it('delivers promptly to a healthy endpoint while eight others hang on every attempt', async () => {
    const healthy = await WebhookReceiver.start();
    receivers.push(healthy);
    for (let i = 0; i < 8; i += 1) {
      const hanging = await WebhookReceiver.start();
      hanging.reply = () => 'hang';
      receivers.push(hanging);
      expectData(await gql(createEndpointDoc, { input: { url: hanging.url } }, { auth: org.apiKey }));
    }
    expectData(await gql(createEndpointDoc, { input: { url: healthy.url } }, { auth: org.apiKey }));
    expectData(
      await gql('mutation { createPerson(input: { id: "fair" }) { person { id } } }', {}, { auth: org.apiKey }),
    );
    for (let i = 0; i < 10; i += 1) await write(i); // a backlog: the hanging endpoints always have a next change
    // Warm-up: every endpoint has had its first attempts (the dispatcher cannot know which will fail before).
    await until(
      () => healthy.arrivals.length >= 11,
      15_000,
      () => `${healthy.arrivals.length} arrivals`,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const latencies: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      const before = healthy.arrivals.length;
      const written = performance.now();
      await write(100 + i);
      await until(
        () => healthy.arrivals.length > before,
        10_000,
        () => 'no arrival',
      );
      latencies.push((healthy.arrivals[before]?.at as number) - written);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const hangingAttempts = receivers.slice(1).reduce((sum, receiver) => sum + receiver.arrivals.length, 0);
    console.log(
      `webhooks fairness: healthy latencies ${latencies.map(Math.round).join(', ')} ms; ${hangingAttempts} hanging attempts`,
    );
    expect(hangingAttempts).toBeGreaterThan(30); // they kept hanging on new changes all along
    expect(Math.max(...latencies)).toBeLessThan(600);
  });
});
