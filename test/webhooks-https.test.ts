// Webhook endpoints are https:// in production (CONTRACT §13), so the dispatcher's own HTTP/1.1 client must speak
// TLS and check the receiver's certificate like any client would: against the trusted CAs, for the URL's host name
// (or IP address). A real TLS receiver on loopback with a certificate made here by openssl; the client runs in a
// child process, because Node reads extra trusted CAs (NODE_EXTRA_CA_CERTS) only at start-up.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from './helpers/required-tool.ts';

const openssl = requireTool('openssl', () => (existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : undefined));

/** A self-signed certificate for `localhost` only (no IP address in it). */
function makeCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    openssl as string,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

/**
 * Posts each URL in turn with postWebhook in a fresh Node process and returns the outcomes. Asynchronous: the
 * receiver lives in this process and must keep answering meanwhile.
 */
async function postFromChild(
  urls: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; ok: boolean; error?: string }[]> {
  const script = `
    import { postWebhook } from './src/webhooks/http-post.ts';
    const outcomes = [];
    for (const url of ${JSON.stringify(urls)}) {
      outcomes.push(await postWebhook(url, { 'content-type': 'application/json', 'webhook-id': 'msg_tls' }, '{"a":1}', 5000));
    }
    console.log(JSON.stringify(outcomes));
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, ATTRQL_WEBHOOK_ALLOW_PRIVATE: 'true', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`client process failed (${code}): ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

describe.skipIf(!openssl)('webhook POSTs over TLS', () => {
  let dir: string;
  let certFile: string;
  let server: Server;
  let port: number;
  const received: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attrql-webhook-tls-'));
    const made = makeCertificate(dir);
    certFile = made.certFile;
    server = createServer({ key: made.key, cert: made.cert }, (request, response) => {
      sockets.add(request.socket);
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push(`${request.method} ${request.url} ${request.headers['webhook-id']} ${body}`);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers to a receiver whose certificate is trusted and names the host, over one kept-alive connection', async () => {
    received.length = 0;
    sockets.clear();
    const url = `https://localhost:${port}/hook?x=1`;
    const outcomes = await postFromChild([url, url], { NODE_EXTRA_CA_CERTS: certFile });
    expect(outcomes.map((o) => [o.ok, o.status])).toEqual([
      [true, 204],
      [true, 204],
    ]);
    expect(received).toEqual(['POST /hook?x=1 msg_tls {"a":1}', 'POST /hook?x=1 msg_tls {"a":1}']);
    expect(sockets.size).toBe(1);
  });

  it('refuses a certificate no trusted CA signed, and one that does not name the host', async () => {
    received.length = 0;
    const [untrusted] = await postFromChild([`https://localhost:${port}/hook`], {});
    const [wrongName] = await postFromChild([`https://127.0.0.1:${port}/hook`], { NODE_EXTRA_CA_CERTS: certFile });
    expect(untrusted?.ok).toBe(false);
    expect(untrusted?.error).toMatch(/self.signed|certificate/i);
    expect(wrongName?.ok).toBe(false);
    expect(wrongName?.error).toMatch(/IP: 127\.0\.0\.1|altnames|certificate/i);
    expect(received).toEqual([]); // nothing was sent over a connection that failed verification
  });
});
