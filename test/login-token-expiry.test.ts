import { afterAll, describe, expect, it } from 'vitest';
import { findOrgSecret } from '../src/auth/credential-lookups.ts';
import { signJwt } from '../src/auth/person-token.ts';
import { hashSecret, tokenSecret } from '../src/auth/secrets.ts';
import { yoga } from '../src/server.ts';
import { newOrg } from './helpers/graphql.ts';
import { personChangesDoc, type Stream, subscribeSse, waitFor } from './helpers/subscriptions.ts';

// A Looker login token acts as its API key (rate limits and the change history count it as the key), but it
// expires on its own: its subscription ends within 5 s of the expiry (CONTRACT §2, §10), even while subscriptions
// made with the key itself keep answering "the key is still valid" for the same key hash.

const streams: Stream[] = [];
afterAll(() => {
  for (const stream of streams) stream.close();
});

const inProcess = ((input: RequestInfo | URL, init?: RequestInit) =>
  yoga.fetch(new Request(input, init))) as typeof fetch;
function subscribe(auth: string, label: string) {
  const stream = subscribeSse({ url: 'http://attrql.test', auth, query: personChangesDoc, label }, inProcess);
  streams.push(stream);
  return stream;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('login token expiry', () => {
  it('ends its subscription within 5 s of expiring while the key’s own subscriptions stay open', async () => {
    const org = await newOrg('login-expiry');
    // Subscriptions with the key itself, started 50 ms apart: between them the key's "still valid" answer (each
    // reused for 1 s) is almost always fresh, which is what a login token's check must not ride on.
    const keyStreams: Stream[] = [];
    for (let i = 0; i < 40; i += 1) {
      keyStreams.push(subscribe(org.apiKey, `key-${i}`));
      await sleep(50);
    }
    // A login token as POST /api/4.0/login mints it, but expiring in 4–5 s instead of an hour.
    const secret = tokenSecret((await findOrgSecret(org.orgId)) as string);
    const exp = Math.floor(Date.now() / 1000) + 5;
    const expiresAt = exp * 1000;
    const claims = { typ: 'login', org: org.orgId, key: hashSecret(org.apiKey), exp };
    const login = subscribe(signJwt(claims, secret), 'login');
    expect((await login.response).status).toBe(200);
    expect(login.ended).toBe(false);

    await waitFor('the login token subscription to end', () => login.ended, {
      timeoutMs: expiresAt - Date.now() + 5000,
      intervalMs: 20,
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${login.describe()}`);
    });
    expect(Date.now() - expiresAt).toBeLessThanOrEqual(5000);
    expect(login.errorCodes()).toEqual(['UNAUTHENTICATED']);
    expect(login.completed).toBe(true);
    // The key's own subscriptions are still open.
    expect(keyStreams.map((stream) => stream.ended)).toEqual(keyStreams.map(() => false));
  }, 60_000);
});
