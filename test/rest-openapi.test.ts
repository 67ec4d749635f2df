import { validate } from '@readme/openapi-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { templateParams } from '../src/rest/path-template.ts';
import { restVendors } from '../src/rest/vendors.ts';
import { yoga } from '../src/server.ts';
import { newOrg } from './helpers/graphql.ts';

// GET /openapi.json is generated from the route definitions; here it is validated as OpenAPI 3.1 and checked
// against what the routes answer: every route is described, and what a route answers is a documented status
// with a body of the documented schema.

type Spec = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
};

let spec: Spec;
let org: { orgId: string; apiKey: string };

const fetchLocal = (path: string, init: RequestInit = {}) => yoga.fetch(`http://attrql.test${path}`, init);

beforeAll(async () => {
  org = await newOrg('openapi');
  const response = await fetchLocal('/openapi.json');
  expect(response.status).toBe(200);
  spec = (await response.json()) as Spec;
});

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(spec.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(spec) as never);
    expect(result.valid, JSON.stringify(result)).toBe(true);
  });

  it('describes every route the server serves, and nothing else', () => {
    const described = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    const served = restVendors.flatMap((vendor) =>
      vendor.routes.map((route) => `${route.method} ${route.path} ${route.operation}`),
    );
    expect(described.sort()).toEqual(served.sort());
  });

  it('documents what each route answers: refusals in the vendor’s shape and status', async () => {
    for (const vendor of restVendors) {
      for (const route of vendor.routes) {
        const path = templateParams(route.path).reduce(
          (built, name) => built.replace(`{${name}}`, name === 'subKey' ? org.orgId : 'someone'),
          route.path,
        );
        // No credential (a wrong one for the login): the route refuses before any domain call.
        const body =
          route.caller === 'none'
            ? new URLSearchParams({ client_id: org.orgId, client_secret: 'aq_wrong' }).toString()
            : route.body === 'none'
              ? undefined
              : '{}';
        const headers =
          route.caller === 'none'
            ? { 'content-type': 'application/x-www-form-urlencoded' }
            : { 'content-type': 'application/json' };
        const response = await fetchLocal(path, { method: route.method, headers, body });
        const where = `${route.method} ${route.path}`;
        const documented = spec.paths[route.path]?.[route.method.toLowerCase()]?.responses ?? {};
        expect(Object.keys(documented), where).toContain(String(response.status));
        expect(response.headers.get('content-type'), where).toContain(vendor.errors.contentType);
        expect(vendor.errors.schema.safeParse(await response.json()).success, where).toBe(true);
      }
    }
  });

  it('documents the success of a route as it answers it', async () => {
    const login = await fetchLocal('/api/4.0/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: org.orgId, client_secret: org.apiKey }).toString(),
    });
    expect(Object.keys(spec.paths['/api/4.0/login']?.post?.responses ?? {})).toContain(String(login.status));
    expect(login.status).toBe(200);
  });
});
