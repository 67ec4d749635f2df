import { beforeAll, describe, expect, it } from 'vitest';
import { expectData, expectError, gql, newOrg } from './helpers/graphql.ts';
import { createPerson, mintToken } from './helpers/persons.ts';
import {
  createEndpointDoc,
  deleteEndpointDoc,
  deliveriesDoc,
  type EndpointJson,
  endpointsDoc,
  replayDoc,
  rotateSecretDoc,
  updateEndpointDoc,
} from './helpers/webhooks.ts';

// Managing webhook endpoints (CONTRACT §13) with the default SSRF rules (ATTRQL_WEBHOOK_ALLOW_PRIVATE unset): only
// https:// URLs whose host resolves to public addresses. 93.184.216.34 is a public address (no DNS needed); nothing
// is delivered in this file (no dispatcher runs).

delete process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE;
const publicUrl = 'https://93.184.216.34/hooks';

let org: Awaited<ReturnType<typeof newOrg>>;
let other: Awaited<ReturnType<typeof newOrg>>;

beforeAll(async () => {
  [org, other] = await Promise.all([newOrg('hooks-a'), newOrg('hooks-b')]);
});

const create = (input: Record<string, unknown>, auth = org.apiKey) =>
  gql<{ createWebhookEndpoint: { secret: string; endpoint: EndpointJson } }>(createEndpointDoc, { input }, { auth });
const list = async (auth = org.apiKey) =>
  expectData(await gql<{ webhookEndpoints: EndpointJson[] }>(endpointsDoc, {}, { auth })).webhookEndpoints;
const issuePaths = (response: { errors?: { extensions?: { issues?: { path: string[] }[] } }[] }) =>
  response.errors?.[0]?.extensions?.issues?.map((issue) => issue.path);

describe('webhook endpoints', () => {
  it('creates an endpoint with a secret shown once, and lists it without the secret', async () => {
    const data = expectData(await create({ url: publicUrl, description: 'crm', areas: ['ATTRIBUTE', 'PERSON'] }));
    const { secret, endpoint } = data.createWebhookEndpoint;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(24);
    expect(endpoint).toMatchObject({
      url: publicUrl,
      description: 'crm',
      areas: ['ATTRIBUTE', 'PERSON'],
      personId: null,
      enabled: true,
      lastDeliveredAt: null,
      failingSince: null,
    });
    expect((await list()).find((e) => e.id === endpoint.id)).toEqual(endpoint);
    const updated = expectData(
      await gql<{ updateWebhookEndpoint: EndpointJson }>(
        updateEndpointDoc,
        { input: { id: endpoint.id, description: null, areas: null, enabled: false } },
        { auth: org.apiKey },
      ),
    ).updateWebhookEndpoint;
    expect(updated).toMatchObject({ id: endpoint.id, url: publicUrl, description: null, areas: null, enabled: false });
    const rotated = expectData(
      await gql<{ rotateWebhookSecret: { secret: string } }>(
        rotateSecretDoc,
        { id: endpoint.id },
        { auth: org.apiKey },
      ),
    ).rotateWebhookSecret.secret;
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    expect(expectData(await gql(deleteEndpointDoc, { id: endpoint.id }, { auth: org.apiKey }))).toEqual({
      deleteWebhookEndpoint: true,
    });
    expect((await list()).map((e) => e.id)).not.toContain(endpoint.id);
  });

  it.each([
    ['http:// (not https)', 'http://93.184.216.34/hooks'],
    ['another scheme', 'ftp://93.184.216.34/hooks'],
    ['a file URL', 'file:///etc/passwd'],
    ['not a URL', 'hooks.example'],
    ['IPv4 loopback', 'https://127.0.0.1/hooks'],
    ['IPv4 loopback, other form', 'https://127.1.2.3:8443/hooks'],
    ['private 10/8', 'https://10.1.2.3/hooks'],
    ['private 172.16/12', 'https://172.20.0.1/hooks'],
    ['private 192.168/16', 'https://192.168.1.1/hooks'],
    ['link-local / cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['unspecified', 'https://0.0.0.0/hooks'],
    ['multicast', 'https://224.0.0.1/hooks'],
    ['IPv6 loopback', 'https://[::1]/hooks'],
    ['IPv6 unspecified', 'https://[::]/hooks'],
    ['IPv6 link-local', 'https://[fe80::1]/hooks'],
    ['IPv6 unique-local', 'https://[fd00::1]/hooks'],
    ['AWS metadata over IPv6', 'https://[fd00:ec2::254]/hooks'],
    ['IPv6 multicast', 'https://[ff02::1]/hooks'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hooks'],
    ['IPv4-mapped private', 'https://[::ffff:10.0.0.1]/hooks'],
    ['a name resolving to loopback', 'https://localhost/hooks'],
    ['a name that does not resolve', 'https://does-not-exist.invalid/hooks'],
    ['credentials in the URL', 'https://user:pw@93.184.216.34/hooks'],
  ])('refuses %s with BAD_USER_INPUT at input.url, creating nothing', async (_label, url) => {
    const before = await list();
    const response = await create({ url });
    expectError(response, 'BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual([['input', 'url']]);
    expect(await list()).toEqual(before);
  });

  it('checks a new URL on update like on creation, changing nothing when refused', async () => {
    const { endpoint } = expectData(await create({ url: publicUrl })).createWebhookEndpoint;
    const response = await gql(
      updateEndpointDoc,
      { input: { id: endpoint.id, url: 'https://10.0.0.1/' } },
      { auth: org.apiKey },
    );
    expectError(response, 'BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual([['input', 'url']]);
    expect((await list()).find((e) => e.id === endpoint.id)?.url).toBe(publicUrl);
    await gql(deleteEndpointDoc, { id: endpoint.id }, { auth: org.apiKey });
  });

  it('refuses an empty areas list and a cursor that is not one', async () => {
    const response = await create({ url: publicUrl, areas: [] });
    expectError(response, 'BAD_USER_INPUT');
    expect(issuePaths(response)).toEqual([['input', 'areas']]);
    const { endpoint } = expectData(await create({ url: publicUrl })).createWebhookEndpoint;
    const replay = await gql(replayDoc, { id: endpoint.id, after: 'not-a-cursor' }, { auth: org.apiKey });
    expectError(replay, 'BAD_USER_INPUT');
    expect(issuePaths(replay)).toEqual([['after']]);
    expectError(
      await gql(deliveriesDoc, { endpointId: endpoint.id, after: 'nope' }, { auth: org.apiKey }),
      'BAD_USER_INPUT',
    );
    expectError(
      await gql(deliveriesDoc, { endpointId: endpoint.id, first: 101 }, { auth: org.apiKey }),
      'BAD_USER_INPUT',
    );
    expectData(await gql(deliveriesDoc, { endpointId: endpoint.id, first: 100 }, { auth: org.apiKey }));
    await gql(deleteEndpointDoc, { id: endpoint.id }, { auth: org.apiKey });
  });

  it('allows 20 endpoints per organization; the 21st is refused, also when 25 are created at once', async () => {
    const start = (await list()).length;
    expect(start).toBe(0);
    const responses = await Promise.all(Array.from({ length: 25 }, () => create({ url: publicUrl })));
    const codes = responses.map((response) => response.errors?.[0]?.extensions?.code ?? 'OK');
    expect(codes.filter((code) => code === 'OK')).toHaveLength(20);
    expect(codes.filter((code) => code === 'BAD_USER_INPUT')).toHaveLength(5);
    expect(await list()).toHaveLength(20);
    expectError(await create({ url: publicUrl }), 'BAD_USER_INPUT');
    // Another organization has its own 20.
    expectData(await create({ url: publicUrl }, other.apiKey));
    // One deleted: one more fits, and no more.
    const [first] = await list();
    expectData(await gql(deleteEndpointDoc, { id: first?.id }, { auth: org.apiKey }));
    expectData(await create({ url: publicUrl }));
    expectError(await create({ url: publicUrl }), 'BAD_USER_INPUT');
    for (const endpoint of await list()) await gql(deleteEndpointDoc, { id: endpoint.id }, { auth: org.apiKey });
  });

  it("shows another organization's endpoint to nobody: NOT_FOUND everywhere, as an unknown id", async () => {
    const { endpoint } = expectData(await create({ url: publicUrl }, other.apiKey)).createWebhookEndpoint;
    expect((await list()).map((e) => e.id)).not.toContain(endpoint.id);
    for (const id of [endpoint.id, 'unknown-id']) {
      expectError(await gql(updateEndpointDoc, { input: { id, enabled: false } }, { auth: org.apiKey }), 'NOT_FOUND');
      expectError(await gql(deleteEndpointDoc, { id }, { auth: org.apiKey }), 'NOT_FOUND');
      expectError(await gql(rotateSecretDoc, { id }, { auth: org.apiKey }), 'NOT_FOUND');
      expectError(await gql(deliveriesDoc, { endpointId: id }, { auth: org.apiKey }), 'NOT_FOUND');
    }
    const cursor = Buffer.from(`v1:0:1:${Date.now()}`).toString('base64url');
    expectError(await gql(replayDoc, { id: endpoint.id, after: cursor }, { auth: org.apiKey }), 'NOT_FOUND');
    // Untouched for its owner.
    expect((await list(other.apiKey)).find((e) => e.id === endpoint.id)).toEqual(endpoint);
  });

  it('refuses person tokens (FORBIDDEN) on every webhook operation', async () => {
    await createPerson(org.apiKey, { id: 'token-holder' });
    const token = await mintToken(org.apiKey, 'token-holder', ['user:attributes:read', 'user:attributes:write']);
    const { endpoint } = expectData(await create({ url: publicUrl })).createWebhookEndpoint;
    const cursor = Buffer.from(`v1:0:1:${Date.now()}`).toString('base64url');
    const operations: [string, Record<string, unknown>][] = [
      [endpointsDoc, {}],
      [deliveriesDoc, { endpointId: endpoint.id }],
      [createEndpointDoc, { input: { url: publicUrl } }],
      [updateEndpointDoc, { input: { id: endpoint.id, enabled: false } }],
      [deleteEndpointDoc, { id: endpoint.id }],
      [rotateSecretDoc, { id: endpoint.id }],
      [replayDoc, { id: endpoint.id, after: cursor }],
    ];
    for (const [doc, variables] of operations) expectError(await gql(doc, variables, { auth: token }), 'FORBIDDEN');
    expect((await list()).find((e) => e.id === endpoint.id)).toEqual(endpoint);
  });
});
