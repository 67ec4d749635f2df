import PubNub from 'pubnub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newOrg } from './helpers/graphql.ts';
import { startRestServer } from './helpers/rest.ts';
import { httpGql, type ServerProcess } from './helpers/server-process.ts';
import { getQuery, type UuidMetadataJson } from './helpers/uuid-metadata.ts';

// The official `pubnub` SDK, unchanged, pointed at attrql: origin = attrql's host:port, ssl off, the org id as
// subscribe key and an org API key as the auth key (sent as the `auth` query parameter).

let server: ServerProcess;
let org: { orgId: string; apiKey: string };
let client: PubNub;

/** The status a failed SDK call carries (the SDK rejects with a PubNubError whose `status` holds it). */
async function sdkFailure(promise: Promise<unknown>): Promise<{ statusCode: number; error: boolean }> {
  try {
    await promise;
  } catch (error) {
    return (error as { status: { statusCode: number; error: boolean } }).status;
  }
  throw new Error('the SDK call succeeded');
}

beforeAll(async () => {
  org = await newOrg('pubnub-sdk');
  server = await startRestServer();
  client = new PubNub({
    subscribeKey: org.orgId,
    userId: 'sdk-test-client',
    authKey: org.apiKey,
    origin: new URL(server.url).host,
    ssl: false,
    logVerbosity: false,
  });
});
afterAll(async () => {
  client?.destroy();
  await server?.stop();
});

describe('pubnub SDK against attrql', () => {
  it('setUUIDMetadata, getUUIDMetadata and removeUUIDMetadata', async () => {
    const set = await client.objects.setUUIDMetadata({
      uuid: 'sdk-user-1',
      data: { name: 'Ada', email: 'ada@example.com', custom: { team: 'core', level: 3 } },
    });
    expect(set.status).toBe(200);
    expect(set.data).toMatchObject({
      id: 'sdk-user-1',
      name: 'Ada',
      email: 'ada@example.com',
      custom: { team: 'core', level: 3 },
    });

    const viaGraphql = await httpGql<{ uuidMetadata: UuidMetadataJson }>(
      server.url,
      getQuery,
      { uuid: 'sdk-user-1' },
      org.apiKey,
    );
    expect(viaGraphql.data?.uuidMetadata).toMatchObject({
      name: 'Ada',
      eTag: set.data.eTag,
      custom: { team: 'core', level: 3 },
    });

    const got = await client.objects.getUUIDMetadata({ uuid: 'sdk-user-1' });
    expect(got.data).toMatchObject({
      id: 'sdk-user-1',
      name: 'Ada',
      eTag: set.data.eTag,
      custom: { team: 'core', level: 3 },
    });

    const removed = await client.objects.removeUUIDMetadata({ uuid: 'sdk-user-1' });
    expect(removed).toMatchObject({ status: 200, data: {} });
    expect((await sdkFailure(client.objects.getUUIDMetadata({ uuid: 'sdk-user-1' }))).statusCode).toBe(404);
  });

  it('setUUIDMetadata with the current ifMatchesEtag writes; with a stale one fails with 412', async () => {
    const first = await client.objects.setUUIDMetadata({ uuid: 'sdk-user-2', data: { name: 'One' } });
    const second = await client.objects.setUUIDMetadata({
      uuid: 'sdk-user-2',
      data: { name: 'Two' },
      ifMatchesEtag: first.data.eTag,
    });
    expect(second.data.name).toBe('Two');
    const stale = await sdkFailure(
      client.objects.setUUIDMetadata({ uuid: 'sdk-user-2', data: { name: 'Three' }, ifMatchesEtag: first.data.eTag }),
    );
    expect(stale).toMatchObject({ error: true, statusCode: 412 });
    const got = await client.objects.getUUIDMetadata({ uuid: 'sdk-user-2' });
    expect(got.data.name).toBe('Two');
  });

  it('surfaces a refused credential as the SDK’s error', async () => {
    const stranger = new PubNub({
      subscribeKey: org.orgId,
      userId: 'sdk-test-client',
      authKey: 'not-a-key',
      origin: new URL(server.url).host,
      ssl: false,
    });
    try {
      expect((await sdkFailure(stranger.objects.getUUIDMetadata({ uuid: 'x' }))).statusCode).toBe(401);
    } finally {
      stranger.destroy();
    }
  });
});
