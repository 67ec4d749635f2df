import { timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { metricsEnabled, registry } from './metrics.ts';

/** True when the request carries `Authorization: Bearer <token>`, compared in constant time. */
function bearerMatches(request: Request, token: string): boolean {
  const sent = Buffer.from(request.headers.get('authorization') ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}

/**
 * GET /metrics on the main port (CONTRACT §11): Prometheus's text format. ATTRQL_METRICS=false → 404 (the path is
 * then left to the rest of the server, which knows no /metrics); ATTRQL_METRICS_TOKEN set → 401 without
 * `Authorization: Bearer <token>`.
 */
export function metricsPlugin(): Plugin {
  if (!metricsEnabled()) return {};
  const token = process.env.ATTRQL_METRICS_TOKEN || undefined;
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      if (token !== undefined && !bearerMatches(request, token)) {
        return endResponse(
          new fetchAPI.Response('401 Unauthorized: send Authorization: Bearer <ATTRQL_METRICS_TOKEN>\n', {
            status: 401,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' },
          }),
        );
      }
      const body = await registry.metrics();
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
