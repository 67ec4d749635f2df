import {
  OpenApiBuilder,
  type OperationObject,
  type ParameterObject,
  type PathItemObject,
  type SchemaObject,
} from 'openapi3-ts/oas31';
import { z } from 'zod';
import type { RestRoute, Vendor } from './endpoint.ts';
import { templateParams } from './path-template.ts';

/**
 * The OpenAPI 3.1 description of the REST layer, built from the route and vendor definitions the router serves
 * (paths, methods, parameters, success and error statuses, error body schemas from the vendors' zod schemas), so
 * it cannot drift from them. Served at GET /openapi.json.
 */

const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An org API key, a person token or a Looker login token.' },
  slashidApiKey: { type: 'apiKey', in: 'header', name: 'SlashID-API-Key', description: 'An org API key.' },
  pubnubAuth: { type: 'apiKey', in: 'query', name: 'auth', description: 'An org API key (the SDK’s authKey).' },
} as const;

function requestBody(route: RestRoute): OperationObject['requestBody'] {
  if (route.body === 'none') return undefined;
  const json = { 'application/json': { schema: { type: 'object' as const } } };
  if (route.body === 'json') return { required: true, content: json };
  const form = {
    type: 'object' as const,
    properties: { client_id: { type: 'string' as const }, client_secret: { type: 'string' as const } },
  };
  return { required: true, content: { 'application/x-www-form-urlencoded': { schema: form }, ...json } };
}

function operation(vendor: Vendor, route: RestRoute): OperationObject {
  const parameters: ParameterObject[] = [
    ...templateParams(route.path).map((name) => ({
      name,
      in: 'path' as const,
      required: true,
      schema: { type: 'string' as const },
    })),
    ...Object.entries(route.query ?? {}).map(([name, description]) => ({
      name,
      in: 'query' as const,
      description,
      schema: { type: 'string' as const },
    })),
  ];
  const errorBody = { [vendor.errors.contentType]: { schema: { $ref: `#/components/schemas/${vendor.name}Error` } } };
  const responses: OperationObject['responses'] = {
    [route.success]: { description: route.success === 204 ? 'Done; no body.' : 'Success.' },
  };
  for (const status of vendor.errors.statuses)
    responses[status] = { description: `Error (${vendor.name} shape).`, content: errorBody };
  return {
    operationId: route.operation,
    summary: route.summary,
    tags: [vendor.name],
    parameters,
    requestBody: requestBody(route),
    responses,
    security: route.caller === 'none' ? [] : vendor.security.map((scheme) => ({ [scheme]: [] })),
  };
}

export function openApiDocument(vendors: readonly Vendor[]) {
  const builder = OpenApiBuilder.create()
    .addOpenApiVersion('3.1.0')
    .addTitle('attrql drop-in REST endpoints')
    .addVersion('1.0.0')
    .addDescription('SlashID, PACE, PubNub App Context and Looker endpoints served by attrql beside GraphQL.');
  for (const [name, scheme] of Object.entries(securitySchemes)) builder.addSecurityScheme(name, scheme);
  const paths = new Map<string, PathItemObject>();
  for (const vendor of vendors) {
    builder.addSchema(
      `${vendor.name}Error`,
      z.toJSONSchema(vendor.errors.schema, { target: 'draft-2020-12' }) as SchemaObject,
    );
    for (const route of vendor.routes) {
      const item = paths.get(route.path) ?? {};
      item[route.method.toLowerCase() as 'get'] = operation(vendor, route);
      paths.set(route.path, item);
    }
  }
  for (const [path, item] of paths) builder.addPath(path, item);
  return builder.getSpec();
}
