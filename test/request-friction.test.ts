import { beforeAll, describe, expect, it } from 'vitest';
import { yoga } from '../src/server.ts';
import { newOrg } from './helpers/graphql.ts';

// Requests that are almost right get a message saying what is wrong with what was sent (issue 10).
const query = JSON.stringify({ query: '{ person(id: "ada") { id } }' });
let apiKey: string;
beforeAll(async () => {
  apiKey = (await newOrg('friction')).apiKey;
});

async function send(init: { method?: string; headers?: Record<string, string>; body?: BodyInit }) {
  const response = await yoga.fetch('http://attrql.test/graphql', { method: 'POST', ...init });
  const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
  expect(body.errors, JSON.stringify(body)).toHaveLength(1);
  return { status: response.status, error: body.errors?.[0] as { message: string; extensions?: { code?: string } } };
}

describe('a body that is not sent as JSON', () => {
  it('curl -d without a Content-Type (form-urlencoded): says so and shows the header to add', async () => {
    const { status, error } = await send({
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${apiKey}` },
      body: query,
    });
    expect(status).toBe(400);
    expect(error.extensions?.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('"Content-Type: application/x-www-form-urlencoded"');
    expect(error.message).toContain('send the operation as JSON with "Content-Type: application/json"');
  });

  it('no Content-Type at all, or text/plain: 415 with a body naming what was sent', async () => {
    const none = await send({ headers: { authorization: `Bearer ${apiKey}` }, body: new TextEncoder().encode(query) });
    expect(none.status).toBe(415);
    expect(none.error.message).toMatch(/sent with no Content-Type header; send the operation as JSON/);
    const text = await send({ headers: { 'content-type': 'text/plain' }, body: query });
    expect(text.status).toBe(415);
    expect(text.error.message).toContain('sent with "Content-Type: text/plain"');
  });

  it('JSON without a query field, and GET without ?query=', async () => {
    const json = await send({ headers: { 'content-type': 'application/json' }, body: '{"qeury":"{ __typename }"}' });
    expect(json.status).toBe(400);
    expect(json.error.message).toContain('the JSON body needs a "query" field');
    const get = await send({ method: 'GET' });
    expect(get.status).toBe(400);
    expect(get.error.message).toContain('a GET request carries the operation in ?query=');
  });
});

describe('an Authorization header without "Bearer "', () => {
  it.each([
    ['the bare key', (key: string) => key, 'lacks the "Bearer " prefix'],
    ['another scheme', (key: string) => `Token ${key}`, 'uses the "Token" scheme'],
    ['Basic', () => 'Basic YWRhOnNlY3JldA==', 'uses the "Basic" scheme'],
    ['Bearer alone', () => 'Bearer', 'has "Bearer" but no credential after it'],
    ['Bearer and two words', (key: string) => `Bearer ${key} extra`, 'more than one word after "Bearer"'],
  ])('%s: 401 saying what is wrong, never echoing the credential', async (_, header, says) => {
    const { status, error } = await send({
      headers: { 'content-type': 'application/json', authorization: header(apiKey) },
      body: query,
    });
    expect(status).toBe(401);
    expect(error.extensions?.code).toBe('UNAUTHENTICATED');
    expect(error.message).toContain(says);
    expect(error.message).toContain('"Authorization: Bearer <API key or person token>"');
    expect(error.message).not.toContain(apiKey);
    expect(error.message).not.toContain('YWRh');
  });

  it('no header at all is still "Missing credential"', async () => {
    const { status, error } = await send({ headers: { 'content-type': 'application/json' }, body: query });
    expect(status).toBe(401);
    expect(error.message).toMatch(/^Missing credential/);
  });

  it('"bearer" in any case, with the key, works', async () => {
    const response = await yoga.fetch('http://attrql.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `bearer ${apiKey}` },
      body: query,
    });
    expect(await response.json()).toEqual({ data: { person: null } });
  });
});
