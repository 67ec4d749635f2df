import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { BoundedCache } from '../bounded-cache.ts';
import { guardedLookup, refusedAddress } from './addresses.ts';
import { type ResponseReader, readResponse } from './http-response.ts';
import { allowPrivateWebhooks } from './settings.ts';

/**
 * Webhook POSTs over HTTP/1.1, written for the dispatcher's one job: a small signed JSON body, a status back. Node's
 * http client cost about as much CPU per delivery as the JSON and the signature together (its request and response
 * objects, events, header checks); here a request is one string written at once on a kept-alive socket, and of the
 * response only the status, the framing and the first `maxResponseBytes` are read. One request per socket at a time
 * (no pipelining: an endpoint gets one change at a time anyway).
 */

/** At most this much of a response is read (kept as the delivery's last error when it failed); the rest is cut. */
export const maxResponseBytes = 4096;
/** Idle keep-alive sockets kept per origin, and how long one may stay idle. */
const maxIdlePerOrigin = 2;
const idleMs = 60_000;

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

/** A parsed webhook URL (parsed once per URL: the dispatcher posts to the same few again and again). */
interface Target {
  origin: string;
  tls: boolean;
  /** The name to resolve (through the guarded lookup) or the IP literal, without brackets. */
  host: string;
  port: number;
  /** The request line and the host header, up to the headers that vary per request. */
  head: string;
  refusal: string | null;
}

const maxTargets = 1000;
const targets = new BoundedCache<Target>(maxTargets, maxTargets * 2048);

function targetFor(url: string): Target {
  let target = targets.get(url);
  if (target) return target;
  target = parseTarget(url);
  targets.set(url, target);
  return target;
}

function parseTarget(url: string): Target {
  const none = { origin: '', tls: false, host: '', port: 0, head: '' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ...none, refusal: 'refused: not a URL' };
  }
  const tls = parsed.protocol === 'https:';
  // The scheme rule depends on a setting: checked at each post, not cached (see postWebhook).
  if (!tls && parsed.protocol !== 'http:') return { ...none, refusal: 'refused: not an https:// URL' };
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const path = `${parsed.pathname}${parsed.search}` || '/';
  return {
    origin: parsed.origin,
    tls,
    host,
    port: Number(parsed.port) || (tls ? 443 : 80),
    head: `POST ${path} HTTP/1.1\r\nhost: ${parsed.host}\r\nuser-agent: attrql-webhooks\r\n`,
    refusal: null,
  };
}

/**
 * POSTs `body` to `url` once: no redirect followed (a 3xx is a failure), `timeoutMs` from the start until the
 * response is read, at most `maxResponseBytes` of the response read. The URL's address is checked again here (the
 * socket's lookup refuses private addresses; an IP literal is checked before connecting). `headers`: names in lower
 * case, values without line breaks (the dispatcher's own: content type, id, timestamp, signature).
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  const target = targetFor(url);
  if (target.refusal) return Promise.resolve(refusedOutcome(target.refusal));
  const allowPrivate = allowPrivateWebhooks();
  if (!target.tls && !allowPrivate) return Promise.resolve(refusedOutcome('refused: not an https:// URL'));
  const literalRefusal = isIP(target.host) && !allowPrivate ? refusedAddress(target.host) : null;
  if (literalRefusal) return Promise.resolve(refusedOutcome(`refused: ${literalRefusal}`));

  let request = target.head;
  for (const name in headers) request += `${name}: ${headers[name]}\r\n`;
  request += `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return new Promise((resolve) => {
    const connection = idleConnection(target.origin) ?? new Connection(target);
    connection.send(request, timeoutMs, resolve);
  });
}

const idle = new Map<string, Connection[]>();

function idleConnection(origin: string): Connection | null {
  const list = idle.get(origin);
  const connection = list?.pop() ?? null;
  if (list && list.length === 0) idle.delete(origin);
  connection?.socket.setTimeout(0);
  return connection;
}

function dropIdle(connection: Connection): void {
  const list = idle.get(connection.origin);
  const index = list?.indexOf(connection) ?? -1;
  if (!list || index < 0) return;
  list.splice(index, 1);
  if (list.length === 0) idle.delete(connection.origin);
}

/** The outcome of a complete response: any 2xx is a success; anything else fails with its status and some text. */
function answered(read: { status: number; text: string }): PostOutcome {
  const ok = read.status >= 200 && read.status < 300;
  return {
    status: read.status,
    ok,
    error: ok ? null : `HTTP ${read.status}${read.text ? `: ${read.text.slice(0, 200)}` : ''}`,
    result: ok ? 'success' : 'http_error',
  };
}

/** One socket to an origin, and the exchange under way on it (at most one). */
class Connection {
  readonly origin: string;
  readonly socket: Socket;
  private exchange: {
    reader: ResponseReader;
    timer: NodeJS.Timeout;
    done: (outcome: PostOutcome) => void;
  } | null = null;
  private closed = false;

  constructor(target: Target) {
    this.origin = target.origin;
    // The guarded lookup resolves the name, refuses a private address, and the socket connects to the address it
    // checked. An IP literal skips the lookup: it was checked in postWebhook.
    const options = { host: target.host, port: target.port, lookup: guardedLookup, noDelay: true };
    this.socket = target.tls
      ? tlsConnect({ ...options, servername: isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'] })
      : netConnect(options);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.onError(error));
    this.socket.on('close', () => this.onClose());
    this.socket.on('timeout', () => this.socket.destroy()); // idle too long in the pool
  }

  send(request: string, timeoutMs: number, done: (outcome: PostOutcome) => void): void {
    const timer = setTimeout(() => {
      this.finish({ status: null, ok: false, error: `no response within ${timeoutMs} ms`, result: 'timeout' }, false);
    }, timeoutMs);
    this.exchange = { reader: readResponse(maxResponseBytes), timer, done };
    this.socket.write(request);
  }

  private onData(chunk: Buffer): void {
    const reader = this.exchange?.reader;
    if (!reader) {
      this.socket.destroy(); // bytes nobody asked for: the connection cannot be trusted
      return;
    }
    const read = reader.push(chunk);
    if (read === 'more') return;
    if (read === 'invalid') {
      this.finish({ status: null, ok: false, error: 'invalid HTTP response', result: 'network_error' }, false);
      return;
    }
    this.finish(answered(read), read.reusable);
  }

  private onError(error: NodeJS.ErrnoException): void {
    const refused = error.code === 'EWEBHOOKREFUSED';
    this.finish(
      {
        status: null,
        ok: false,
        error: refused ? error.message : `${error.code ?? 'error'}: ${error.message}`.slice(0, 300),
        result: refused ? 'refused' : 'network_error',
      },
      false,
    );
  }

  private onClose(): void {
    this.closed = true;
    dropIdle(this);
    // A response delimited by the end of the connection is complete now; otherwise the connection broke.
    const read = this.exchange?.reader.end();
    if (read && read !== 'invalid') {
      this.finish(answered(read), false);
      return;
    }
    this.finish(
      { status: null, ok: false, error: 'connection closed before a response', result: 'network_error' },
      false,
    );
  }

  private finish(outcome: PostOutcome, reusable: boolean): void {
    const exchange = this.exchange;
    if (!exchange) return;
    this.exchange = null;
    clearTimeout(exchange.timer);
    if (reusable && !this.closed) this.park();
    else this.socket.destroy();
    exchange.done(outcome);
  }

  /** Back to the origin's idle sockets for the next request (or closed when it has enough). */
  private park(): void {
    let list = idle.get(this.origin);
    if (!list) {
      list = [];
      idle.set(this.origin, list);
    }
    if (list.length >= maxIdlePerOrigin) {
      this.socket.destroy();
      return;
    }
    this.socket.setTimeout(idleMs);
    list.push(this);
  }
}
