// A raw HTTP client: node:http sends the request target exactly as given (no `..` folding).

import { request as httpRequest } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

export interface RawRequest {
  readonly method?: string;
  /** An object, or raw `[name, value, name, value…]` pairs to send a header twice. */
  readonly headers?: Record<string, string> | string[];
  readonly body?: Uint8Array;
}

/** Sends `target` (path and query, unnormalised) to `baseUrl` and reads the whole answer. */
export function rawRequest(
  baseUrl: string,
  target: string,
  options: RawRequest = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        path: target,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The parsed `{"error": {code, message}}` body of an error response. */
export function errorOf(response: RawResponse): { code: string; message: string } {
  return (
    JSON.parse(response.body.toString('utf8')) as { error: { code: string; message: string } }
  ).error;
}
