/**
 * Reads one HTTP/1.1 response to a webhook POST from the bytes of its socket: the status, and the body's first
 * `maxBodyBytes` (kept as a failed delivery's last error). It knows where the response ends (content-length, chunked,
 * or the end of the connection) so that the socket can carry the next request; a longer body is cut and the socket
 * is then not reused. 1xx responses before the final one are skipped.
 */

export interface ReadResponse {
  status: number;
  /** The body's first bytes as text, whitespace collapsed. */
  text: string;
  /** The response ended where its framing says, on a connection kept alive: the socket may carry the next request. */
  reusable: boolean;
}

export interface ResponseReader {
  /** Feeds bytes: 'more' until the response is complete. */
  push(chunk: Buffer): ReadResponse | 'more' | 'invalid';
  /** The connection ended: complete when the body runs to the end of the connection, else 'invalid'. */
  end(): ReadResponse | 'invalid';
}

/** A response head longer than this is refused (a receiver answers a webhook with a few headers). */
const maxHeadBytes = 16 * 1024;
const crlfcrlf = Buffer.from('\r\n\r\n');

type Framing =
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; left: number }
  | { kind: 'close' };

export function readResponse(maxBodyBytes: number): ResponseReader {
  let pending: Buffer = Buffer.alloc(0);
  let status = 0;
  let keepAlive = false;
  let framing: Framing | null = null;
  const body: Buffer[] = [];
  let bodyBytes = 0;
  let cut = false;

  const result = (reusable: boolean): ReadResponse => ({
    status,
    text: Buffer.concat(body).toString('utf8').replace(/\s+/g, ' ').trim(),
    reusable: reusable && keepAlive && !cut,
  });

  /** Keeps body bytes up to the bound; true once past it (the rest is not read). */
  const keep = (bytes: Buffer): boolean => {
    const room = maxBodyBytes - bodyBytes;
    if (bytes.length > room) {
      body.push(bytes.subarray(0, room));
      bodyBytes = maxBodyBytes;
      cut = true;
      return true;
    }
    body.push(bytes);
    bodyBytes += bytes.length;
    return false;
  };

  /** Parses a complete head; null when it is not HTTP/1.x. */
  const parseHead = (head: string): Framing | null => {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!statusLine) return null;
    status = Number(statusLine[2]);
    let length: number | null = null;
    let chunked = false;
    let connection = '';
    for (let i = 1; i < lines.length; i += 1) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) return null;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (length !== null && length !== Number(value))) return null;
        length = Number(value);
      } else if (name === 'transfer-encoding') chunked = value.toLowerCase().split(',').at(-1)?.trim() === 'chunked';
      else if (name === 'connection') connection = value.toLowerCase();
    }
    keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { kind: 'length', left: 0 };
    if (chunked) return { kind: 'chunked', state: 'size', left: 0 };
    if (length !== null) return { kind: 'length', left: length };
    return { kind: 'close' };
  };

  /** A chunked body that breaks its framing: what came so far is the text, the socket is not reused. */
  const malformed = (): true => {
    cut = true;
    return true;
  };

  /** Consumes body bytes from `pending`; true when the response is complete (or cut). */
  const readBody = (f: Framing): boolean => {
    if (f.kind === 'close') {
      const bytes = pending;
      pending = Buffer.alloc(0);
      return keep(bytes);
    }
    if (f.kind === 'length') {
      const bytes = pending.subarray(0, f.left);
      pending = pending.subarray(bytes.length);
      f.left -= bytes.length;
      return keep(bytes) || f.left === 0;
    }
    for (;;) {
      if (f.state === 'data') {
        const bytes = pending.subarray(0, f.left);
        pending = pending.subarray(bytes.length);
        f.left -= bytes.length;
        if (keep(bytes)) return true;
        if (f.left > 0) return false;
        f.state = 'data-end';
        continue;
      }
      const eol = pending.indexOf('\r\n');
      if (eol < 0) {
        if (pending.length > maxHeadBytes) cut = true;
        return cut;
      }
      const line = pending.subarray(0, eol).toString('latin1');
      pending = pending.subarray(eol + 2);
      if (f.state === 'data-end') {
        if (line !== '') return malformed();
        f.state = 'size';
      } else if (f.state === 'size') {
        const size = Number.parseInt(line.split(';')[0] as string, 16);
        if (!Number.isFinite(size) || size < 0) return malformed();
        if (size === 0) f.state = 'trailer';
        else {
          f.state = 'data';
          f.left = size;
        }
      } else if (line === '') {
        return true; // the empty line after the trailers: the end
      }
    }
  };

  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (!framing) {
          const end = pending.indexOf(crlfcrlf);
          if (end < 0) return pending.length > maxHeadBytes ? 'invalid' : 'more';
          if (end > maxHeadBytes) return 'invalid';
          const parsed = parseHead(pending.subarray(0, end).toString('latin1'));
          if (!parsed) return 'invalid';
          pending = pending.subarray(end + 4);
          if (status >= 100 && status < 200) continue; // an interim response: the final one follows
          framing = parsed;
        }
        if (!readBody(framing)) return 'more';
        // Bytes after the response (nothing was asked for them): the socket is not reused.
        return result(!cut && pending.length === 0 && framing.kind !== 'close');
      }
    },
    end() {
      if (framing?.kind === 'close') return result(false);
      return 'invalid';
    },
  };
}
