// A purge webhook's far end on loopback: records every request, answers as told.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Statuses of the next answers, in order; once used up, 200. */
  answerNext(...statuses: number[]): void;
  /** Holds every answer back until `release` (a CDN that does not answer). */
  stall(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const statuses: number[] = [];
  let stalled: (() => void)[] | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = () => {
        response.writeHead(statuses.shift() ?? 200, { 'Content-Type': 'application/json' });
        response.end('{"status":"ok"}');
      };
      if (stalled === undefined) answer();
      else stalled.push(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answerNext: (...next) => statuses.push(...next),
    stall() {
      stalled ??= [];
    },
    release() {
      const waiting = stalled ?? [];
      stalled = undefined;
      for (const answer of waiting) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
