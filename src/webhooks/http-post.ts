import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { BoundedCache } from '../bounded-cache.ts';
import { guardedLookup, refusedAddress } from './addresses.ts';
import { allowPrivateWebhooks } from './settings.ts';

/** At most this much of a response is read (kept as the delivery's last error when it failed); the rest is cut. */
const maxResponseBytes = 4096;

/** One keep-alive pool per origin (scheme, host, port), for the origins delivered to lately. */
const agents = new BoundedCache<HttpAgent>(1000, 1_000_000);

function agentFor(url: URL): HttpAgent {
  const key = url.origin;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 2, maxFreeSockets: 2, timeout: 60_000, lookup: guardedLookup };
    agent = url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

export interface PostOutcome {
  /** The response status, or null when there was none (refused, timeout, network error). */
  status: number | null;
  ok: boolean;
  /** Why it failed, short; null on success. */
  error: string | null;
  /** How it ended, for the attempts metric. */
  result: 'success' | 'http_error' | 'timeout' | 'network_error' | 'refused';
}

const refusedOutcome = (error: string): PostOutcome => ({ status: null, ok: false, error, result: 'refused' });

/**
 * POSTs `body` to `url` once: no redirect followed (a 3xx is a failure), `timeoutMs` from the start until the
 * response status, at most `maxResponseBytes` of the response read. The URL's address is checked again here (the
 * socket's lookup refuses private addresses; an IP literal is checked before connecting).
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(refusedOutcome('refused: not a URL'));
  }
  const allowPrivate = allowPrivateWebhooks();
  if (target.protocol !== 'https:' && !(allowPrivate && target.protocol === 'http:')) {
    return Promise.resolve(refusedOutcome('refused: not an https:// URL'));
  }
  const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
  const literalRefusal = isIP(literal) && !allowPrivate ? refusedAddress(literal) : null;
  if (literalRefusal) return Promise.resolve(refusedOutcome(`refused: ${literalRefusal}`));

  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, {
      method: 'POST',
      agent: agentFor(target),
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'attrql-webhooks' },
    });
    const timer = setTimeout(() => {
      finish({ status: null, ok: false, error: `no response within ${timeoutMs} ms`, result: 'timeout' });
      request.destroy();
    }, timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      const refused = error.code === 'EWEBHOOKREFUSED';
      finish({
        status: null,
        ok: false,
        error: refused ? error.message : `${error.code ?? 'error'}: ${error.message}`.slice(0, 300),
        result: refused ? 'refused' : 'network_error',
      });
    });
    request.on('response', (response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      readBounded(response, (text) => {
        finish({
          status,
          ok,
          error: ok ? null : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          result: ok ? 'success' : 'http_error',
        });
      });
    });
    request.end(body);
  });
}

/** Reads at most `maxResponseBytes` of a response; past that the connection is dropped (no pool reuse). */
function readBounded(response: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    done(Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim());
  };
  response.on('data', (chunk: Buffer) => {
    if (size + chunk.length > maxResponseBytes) {
      chunks.push(chunk.subarray(0, maxResponseBytes - size));
      size = maxResponseBytes;
      response.destroy();
      end();
      return;
    }
    chunks.push(chunk);
    size += chunk.length;
  });
  response.on('end', end);
  response.on('error', end);
  response.on('close', end);
}
