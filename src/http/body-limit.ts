import type { Plugin } from 'graphql-yoga';
import { AppError } from '../errors.ts';
import { toGraphQLError } from './graphql-error.ts';

export const defaultMaxBodyBytes = 1024 * 1024;

export function maxBodyBytes(): number {
  const raw = process.env.ATTRQL_MAX_BODY_BYTES;
  const value = raw ? Number(raw) : defaultMaxBodyBytes;
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`ATTRQL_MAX_BODY_BYTES must be a positive integer, got "${raw}"`);
  return value;
}

const tooLarge = (limit: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`);

/**
 * Reads a body, giving up as soon as it passes `limit` bytes (whatever Content-Length claimed): PAYLOAD_TOO_LARGE.
 * GraphQL and the REST endpoints both read bodies through it, so both refuse at the same byte.
 */
export async function readBodyWithin(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  // HTTP framing ends the body at its Content-Length: within the limit, it can be read whole.
  if (Number.isInteger(declared)) return new Uint8Array(await request.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Yoga attaches the JSON parser's own error to a malformed body's 400: clients get the message only. Yoga keeps
 * the 400 for application/json only while that detail is there (`http.spec`), so the status is pinned too.
 */
function withoutParserDetails(error: unknown): unknown {
  // Changed in place: Yoga recognizes its errors by class, and may load another copy of graphql than ours.
  const extensions = (error as { extensions?: Record<string, unknown> } | null)?.extensions;
  if (!extensions || Object.isFrozen(extensions) || extensions.originalError === undefined) return error;
  delete extensions.originalError;
  const http = extensions.http as { spec?: boolean } | undefined;
  if (http) delete http.spec;
  return error;
}

/** Refuses request bodies over ATTRQL_MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE, before parsing them. */
export function bodyLimitPlugin(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      if (request.method !== 'POST' || !requestParser) return;
      setRequestParser(async (incoming) => {
        const body = await readBodyWithin(incoming, limit).catch((error: unknown) => {
          throw error instanceof AppError ? toGraphQLError(error, true) : error;
        });
        try {
          return await requestParser(
            // Yoga's own Request class: much cheaper to build than Node's global (undici) one.
            new fetchAPI.Request(incoming.url, {
              method: 'POST',
              headers: incoming.headers,
              body: body as Uint8Array<ArrayBuffer>,
            }),
          );
        } catch (error) {
          throw withoutParserDetails(error);
        }
      });
    },
  };
}
