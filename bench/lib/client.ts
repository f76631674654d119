// A small HTTP client for what wrk cannot do: exactly N sequential requests (one client),
// and bursts of simultaneous requests on separate connections.

import { Agent, request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly bytes: number;
  readonly outcome: string | undefined;
}

export function get(
  url: string,
  agent: Agent | false,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - started,
          bytes,
          outcome: res.headers['x-rendition-cache'] as string | undefined,
        }),
      );
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

/** One client on one keep-alive connection. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

/** `urls` all at once, each on its own new connection; resolves with the wall time too. */
export async function burst(
  urls: readonly string[],
): Promise<{ wallMs: number; answers: Answer[] }> {
  const started = performance.now();
  const answers = await Promise.all(urls.map((url) => get(url, false)));
  return { wallMs: performance.now() - started, answers };
}

/** POSTs JSON or a multipart form with the admin token. */
export async function admin(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: FormData | object,
): Promise<{ status: number; json: unknown; ms: number }> {
  const started = performance.now();
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}/admin${path}`, init);
  const text = await res.text();
  return {
    status: res.status,
    json: text === '' ? null : JSON.parse(text),
    ms: performance.now() - started,
  };
}
