import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createYoga } from 'graphql-yoga';
import { BoundedCache } from './bounded-cache.ts';
import { type Context, createContext } from './context.ts';
import { readAfterHeader } from './db/read-routing.ts';
import { authPlugin } from './http/auth-plugin.ts';
import { bodyLimitPlugin, maxBodyBytes } from './http/body-limit.ts';
import { graphiqlDefaults, renderOfflineGraphiQL } from './http/graphiql.ts';
import { healthPlugin } from './http/health.ts';
import { maskError } from './http/mask-error.ts';
import { queryCostPlugin } from './http/query-cost.ts';
import { readAfterPlugin } from './http/read-after.ts';
import { requestLogPlugin } from './http/request-log.ts';
import { requireQueryPlugin } from './http/require-query.ts';
import { sseEventIdsPlugin, withEventIds } from './http/sse-event-ids.ts';
import { variableIssuesPlugin } from './http/variable-issues.ts';
import { metricsPlugin } from './observability/metrics-endpoint.ts';
import { restPlugin } from './rest/plugin.ts';
import { restVendors } from './rest/vendors.ts';
import { schema } from './schema/index.ts';

/** GraphiQL (and introspection without a credential) is on unless NODE_ENV=production or ATTRQL_GRAPHIQL=false. */
export function graphiqlEnabled(): boolean {
  if (process.env.NODE_ENV === 'production') return false;
  return !/^(false|0|no|off)$/i.test(process.env.ATTRQL_GRAPHIQL ?? '');
}

export function createServer() {
  const graphiql = graphiqlEnabled();
  const bodyLimit = maxBodyBytes();
  return createYoga<Record<string, unknown>, Context>({
    // Each subscription event records its cursor, for the SSE `id:` lines (sse-event-ids.ts).
    schema: withEventIds(schema),
    context: createContext,
    graphqlEndpoint: '/graphql',
    // Yoga's own liveness endpoint would answer /health without asking the database; ours does ask.
    healthCheckEndpoint: '/.yoga-health',
    graphiql: graphiql ? graphiqlDefaults : false,
    renderGraphiQL: renderOfflineGraphiQL,
    landingPage: false,
    // Yoga's CORS defaults, plus the read-after token readable by browser code of other origins (CONTRACT §12).
    cors: { exposedHeaders: [readAfterHeader] },
    batching: false,
    // Our body limit (bodyLimitPlugin) reads every body once, refusing at the same byte as the REST endpoints.
    // Yoga's own 25 MB check would pipe each body through one more stream too, whose objects outlive young-gen
    // GCs and make the major GCs that show up as latency spikes.
    maxRequestBodySize: false,
    // Parsed documents and parse errors are cached by query text: bounded by the text's total length too, so
    // distinct large queries cannot keep memory (CONTRACT §8 "memory").
    parserAndValidationCache: {
      documentCache: new BoundedCache(1024, 1024 * 1024),
      errorCache: new BoundedCache(1024, 256 * 1024),
    },
    maskedErrors: { maskError },
    logging: false,
    plugins: [
      requestLogPlugin(),
      healthPlugin(),
      metricsPlugin(),
      // The vendors' REST endpoints: after the request log, before anything GraphQL-specific.
      restPlugin(restVendors, bodyLimit),
      bodyLimitPlugin(bodyLimit),
      requireQueryPlugin(),
      maxDepthPlugin({ n: 10, exposeLimits: true }),
      maxAliasesPlugin({ n: 20, exposeLimits: true }),
      maxTokensPlugin({ n: 2000, exposeLimits: true }),
      queryCostPlugin(),
      authPlugin({ openIntrospection: graphiql }),
      readAfterPlugin(),
      variableIssuesPlugin(),
      sseEventIdsPlugin(),
    ],
  });
}

export const yoga = createServer();
