import { describe, expect, it } from 'vitest';
import { graphiqlDefaults } from '../src/http/graphiql.ts';
import { yoga } from '../src/server.ts';
import { newOrg } from './helpers/graphql.ts';

// biome-ignore lint/suspicious/noExplicitAny: each example operation returns a different shape; the assertions check it.
type Data = Record<string, any>;

// The example operations GraphiQL opens with must work as written, in the order the comments give.
async function run(operationName: string, auth: string) {
  const response = await yoga.fetch('http://attrql.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
    body: JSON.stringify({ query: graphiqlDefaults.defaultQuery, operationName }),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown[] };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data as Data;
}

describe('the GraphiQL example', () => {
  it('creates a person, merges attributes, mints a token, and reads and writes them back as the end user', async () => {
    const org = await newOrg('graphiql');
    await run('CreateAda', org.apiKey);
    const merged = await run('MergeAdaAttributes', org.apiKey);
    expect(merged.updatePersonAttributes.attributes).toEqual({ theme: 'dark', tos_accepted: true });
    const ada = await run('Ada', org.apiKey);
    expect(ada.person.attributes.end_user_read_only).toEqual({ plan: 'pro' });
    const history = (await run('AdaHistory', org.apiKey)).person.history.nodes;
    expect(history.map((change: Data) => change.kind)).toEqual(['UPDATED', 'CREATED']);
    expect(history[0].entries.map((entry: Data) => entry.name)).toEqual(['theme', 'tos_accepted']);
    expect(history[0].actor.kind).toBe('API_KEY');
    expect((await run('WebhookEndpoints', org.apiKey)).webhookEndpoints).toEqual([]);
    const token = (await run('MintAdaToken', org.apiKey)).mintPersonToken.token as string;
    const me = await run('Me', token);
    expect(me.me.bucket).toEqual({ theme: 'dark', tos_accepted: true });
    expect(Object.keys(me.me.attributes).sort()).toEqual(['end_user_read_only', 'end_user_read_write']);
    const mine = await run('UpdateMyAttributes', token);
    expect(mine.updateMyAttributes.attributes).toEqual({ theme: 'dark', tos_accepted: true, referred: 'false' });
  });
});
