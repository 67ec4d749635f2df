// A small keep-alive HTTP client for the paced generator and the harness's own calls (minting tokens, eTags).
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  body: string;
}

export function post(baseUrl: string, path: string, body: string, authorization: string): Promise<Reply> {
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${authorization}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One GraphQL operation; throws on any error. */
export async function graphql<T>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  authorization: string,
): Promise<T> {
  const reply = await post(baseUrl, '/graphql', JSON.stringify({ query, variables }), authorization);
  const parsed = JSON.parse(reply.body) as { data?: T; errors?: unknown };
  if (reply.status !== 200 || parsed.errors || !parsed.data) {
    throw new Error(`GraphQL call failed (${reply.status}): ${reply.body.slice(0, 300)}`);
  }
  return parsed.data;
}

export function closeAgent(): void {
  agent.destroy();
}
