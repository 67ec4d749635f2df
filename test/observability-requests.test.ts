import { beforeAll, describe, expect, it } from 'vitest';
import { maxOperationNames } from '../src/observability/operation-names.ts';
import { yoga } from '../src/server.ts';
import { gql, newOrg } from './helpers/graphql.ts';
import { rest } from './helpers/history.ts';
import { samples, sampleValue } from './helpers/observability.ts';

// CONTRACT §11 through the real server in-process (yoga.fetch): request ids on every response, and the bound on
// operation-name labels (a client sending 1,000 names must not make 1,000 series).

let apiKey: string;
let orgId: string;
beforeAll(async () => {
  ({ apiKey, orgId } = await newOrg('requests'));
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('x-request-id', () => {
  it("echoes the client's own id (1–128 visible ASCII characters) on GraphQL, REST, health and failures", async () => {
    for (const id of ['a', 'req-42_ABC.x:y/z', '!'.repeat(128), '~"\'{}']) {
      const headers = { 'x-request-id': id };
      expect((await gql('{ __typename }', {}, { headers })).headers.get('x-request-id')).toBe(id);
      expect((await gql('{ person(id: ', {}, { headers })).headers.get('x-request-id')).toBe(id);
      const health = await yoga.fetch('http://attrql.test/health', { headers });
      expect(health.headers.get('x-request-id')).toBe(id);
      const slashid = await yoga.fetch('http://attrql.test/persons/nobody/attributes/end_user_read_write', {
        headers: { ...headers, 'SlashID-OrgID': orgId, 'SlashID-API-Key': apiKey },
      });
      expect(slashid.status).toBe(404);
      expect(slashid.headers.get('x-request-id')).toBe(id);
    }
  });

  it('generates one (a UUID, new for each request) when none was sent, or one that is empty, too long or not visible ASCII', async () => {
    const seen = new Set<string>();
    for (const sent of [undefined, '', 'x'.repeat(129), 'with space', 'tab\there', 'caf\u00e9']) {
      const headers: Record<string, string> = sent === undefined ? {} : { 'x-request-id': sent };
      const id = (await gql('{ __typename }', {}, { headers })).headers.get('x-request-id') ?? '';
      expect(id, JSON.stringify(sent)).toMatch(uuid);
      seen.add(id);
    }
    expect(seen.size).toBe(6);
    const missing = await rest('GET', '/persons/nobody/attributes/end_user_read_write', {
      headers: { 'SlashID-OrgID': orgId, 'SlashID-API-Key': apiKey },
    });
    expect(missing.status).toBe(404);
  });
});

describe('GraphQL outcome labels', () => {
  it('names an operation that fails validation after itself, with its code as outcome', async () => {
    const failed = await gql('query NoSuchField { nope }', {}, { auth: apiKey });
    expect(failed.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const text = await (await yoga.fetch('http://attrql.test/metrics')).text();
    const labels = { operation_type: 'query', operation_name: 'NoSuchField', outcome: 'GRAPHQL_VALIDATION_FAILED' };
    expect(sampleValue(samples(text), 'attrql_graphql_operation_duration_seconds_count', labels)).toBe(1);
  });
});

describe('operation-name labels', () => {
  it('1,000 distinct operation names make at most 100 label values plus "other", and every operation is counted', async () => {
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, j) => {
          const response = await gql(`query Distinct${i + j} { __typename }`, {}, { auth: apiKey });
          expect(response.status).toBe(200);
        }),
      );
    }
    const metrics = await yoga.fetch('http://attrql.test/metrics');
    expect(metrics.status).toBe(200);
    const counts = samples(await metrics.text()).filter(
      (sample) => sample.name === 'attrql_graphql_operation_duration_seconds_count',
    );
    const names = new Set(counts.map((sample) => sample.labels.operation_name));
    expect(names.has('other')).toBe(true);
    expect(names.size).toBeLessThanOrEqual(maxOperationNames + 1);
    expect(maxOperationNames).toBe(100);
    const distinct = counts.filter((sample) => /^Distinct\d+$/.test(sample.labels.operation_name ?? ''));
    const other = counts.filter((sample) => sample.labels.operation_name === 'other');
    // Names seen first keep their label (this file's earlier operations took a few of the 100).
    expect(distinct.length).toBeGreaterThan(90);
    expect([...distinct, ...other].reduce((sum, sample) => sum + sample.value, 0)).toBe(1000);
  }, 60_000);
});
