import type { Plugin } from 'graphql-yoga';
import { replicas, sql } from '../db/client.ts';
import { databaseTimeoutMs } from '../db/config.ts';

/** True when the database answers a trivial query within the timeout. */
export async function databaseAnswers(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), databaseTimeoutMs);
  });
  try {
    const ping = sql.all('SELECT 1 AS "ok"').then(
      () => true,
      () => false,
    );
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health: 200 {"status":"ok"} when the database answers, else 503. */
export function healthPlugin(): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== '/health' || (request.method !== 'GET' && request.method !== 'HEAD')) return;
      const ok = await databaseAnswers();
      const body = ok ? { status: 'ok' } : { status: 'unavailable', reason: 'database' };
      // Replicas are listed, never counted against health: their reads go to the primary while they are away.
      if (replicas?.replicas.length) Object.assign(body, { replicas: replicas.states() });
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: ok ? 200 : 503,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
