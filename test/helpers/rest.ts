import { type ServerProcess, startServerProcess } from './server-process.ts';

/** A real attrql process for REST tests, on this test file's database. */
export function startRestServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess(process.env.DATABASE_URL as string, env);
}

export interface RestResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or null for an empty one (204). */
  body: unknown;
}

/** One request over real HTTP; the body is sent as given (a string is sent as is, anything else as JSON). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<RestResponse> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const response = await fetch(`${baseUrl}${path}`, { method, headers: options.headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}
