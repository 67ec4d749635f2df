import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../src/webhooks/http-post.ts';

// The dispatcher's own HTTP/1.1 client against real loopback receivers: raw TCP ones that answer with exactly the
// bytes a test gives (framings Node's server would not produce on demand), and Node's http server for the usual case.

process.env.ATTRQL_WEBHOOK_ALLOW_PRIVATE = 'true';

interface RawReceiver {
  url: string;
  /** Sockets accepted so far (a reused keep-alive socket is counted once). */
  connections: number;
  /** The request heads and bodies received, as text. */
  received: string[];
  /** What to answer to a complete request (null: nothing, let it hang). */
  answer: (request: string) => string | Buffer | null;
  server: Server;
}

const servers: Server[] = [];
const rawSockets = new Set<Socket>();

async function rawReceiver(answer: RawReceiver['answer']): Promise<RawReceiver> {
  const receiver = { connections: 0, received: [] as string[], answer } as RawReceiver;
  receiver.server = createServer((socket: Socket) => {
    receiver.connections += 1;
    rawSockets.add(socket);
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (;;) {
        const headEnd = buffered.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, headEnd))?.[1] ?? 0);
        if (buffered.length < headEnd + 4 + length) return;
        const request = buffered.slice(0, headEnd + 4 + length);
        buffered = buffered.slice(request.length);
        receiver.received.push(request);
        const reply = receiver.answer(request);
        if (reply !== null) socket.write(reply);
      }
    });
    socket.on('error', () => {});
  });
  servers.push(receiver.server);
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook?x=1`;
  return receiver;
}

const post = (url: string, body = '{"a":1}', timeoutMs = 2000) =>
  postWebhook(url, { 'content-type': 'application/json', 'webhook-id': 'msg_1' }, body, timeoutMs);

afterAll(async () => {
  for (const socket of rawSockets) socket.destroy();
  for (const server of servers) {
    if ('closeAllConnections' in server) (server as { closeAllConnections(): void }).closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('webhook POSTs', () => {
  let node: { url: string; bodies: string[]; sockets: Set<unknown> };
  beforeAll(async () => {
    const bodies: string[] = [];
    const sockets = new Set<unknown>();
    const server = createHttpServer((request, response) => {
      sockets.add(request.socket);
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        bodies.push(`${request.method} ${request.url} ${request.headers['webhook-id']} ${body}`);
        response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    node = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/in/hook?k=v`, bodies, sockets };
  });

  it('sends method, path, headers and body to a Node receiver and reuses one socket for consecutive POSTs', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect(await post(node.url, `{"n":${i},"é":"ü"}`)).toEqual({
        status: 200,
        ok: true,
        error: null,
        result: 'success',
      });
    }
    expect(node.bodies).toEqual(Array.from({ length: 5 }, (_, i) => `POST /in/hook?k=v msg_1 {"n":${i},"é":"ü"}`));
    expect(node.sockets.size).toBe(1);
  });

  it('reads a chunked response to its end and reuses the socket', async () => {
    const receiver = await rawReceiver(
      () =>
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nx-trailer: 1\r\n\r\n',
    );
    expect((await post(receiver.url)).ok).toBe(true);
    expect((await post(receiver.url)).ok).toBe(true);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.connections).toBe(1);
  });

  it('skips an interim 100 response and keeps the final status and its body as the error', async () => {
    const receiver = await rawReceiver(
      () => 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\ncontent-length: 11\r\n\r\ntry\n  later',
    );
    expect(await post(receiver.url)).toEqual({
      status: 503,
      ok: false,
      error: 'HTTP 503: try later',
      result: 'http_error',
    });
  });

  it('follows no redirect: a 302 is a failed attempt', async () => {
    const receiver = await rawReceiver(
      () => 'HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:1/\r\ncontent-length: 0\r\n\r\n',
    );
    const outcome = await post(receiver.url);
    expect(outcome).toMatchObject({ status: 302, ok: false, result: 'http_error' });
    expect(receiver.received).toHaveLength(1);
  });

  it('reads at most 4096 bytes of a long response, then drops the socket', async () => {
    const big = 'x'.repeat(100_000);
    const receiver = await rawReceiver(() => `HTTP/1.1 500 Oops\r\ncontent-length: ${big.length}\r\n\r\n${big}`);
    const outcome = await post(receiver.url);
    expect(outcome.status).toBe(500);
    expect(outcome.error).toBe(`HTTP 500: ${'x'.repeat(200)}`);
    await post(receiver.url);
    expect(receiver.connections).toBe(2);
  });

  it('takes a body delimited by the end of the connection, and a new socket after `connection: close`', async () => {
    const receiver = await rawReceiver(() => 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nbye');
    receiver.server.on('connection', (socket: Socket) => socket.on('data', () => setTimeout(() => socket.end(), 10)));
    expect((await post(receiver.url)).ok).toBe(true);
    expect((await post(receiver.url)).ok).toBe(true);
    expect(receiver.connections).toBe(2);
  });

  it('times out a receiver that never answers, and a malformed response is a network error', async () => {
    const hanging = await rawReceiver(() => null);
    const started = Date.now();
    expect(await post(hanging.url, '{}', 200)).toEqual({
      status: null,
      ok: false,
      error: 'no response within 200 ms',
      result: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    const garbage = await rawReceiver(() => 'SMTP ready\r\n\r\n');
    expect(await post(garbage.url)).toMatchObject({ status: null, ok: false, result: 'network_error' });
  });

  it('reports a refused connection, and a socket the receiver closed while idle is not reused', async () => {
    const closing = await rawReceiver(() => 'HTTP/1.1 204 No Content\r\n\r\n');
    closing.server.on('connection', (socket: Socket) => socket.on('data', () => setTimeout(() => socket.end(), 10)));
    expect((await post(closing.url)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await post(closing.url)).status).toBe(204);
    expect(closing.connections).toBe(2);

    const port = (closing.server.address() as AddressInfo).port;
    await new Promise((resolve) => closing.server.close(resolve));
    servers.splice(servers.indexOf(closing.server), 1);
    const refused = await post(`http://127.0.0.1:${port}/`);
    expect(refused).toMatchObject({ status: null, ok: false, result: 'network_error' });
    expect(refused.error).toMatch(/^ECONNREFUSED/);
  });
});
