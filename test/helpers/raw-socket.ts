// HTTP/1.1 over a bare socket: request bytes node:http refuses to send (a raw `é` in the
// target), and answers read as they arrive (before the request body is complete).

import { connect } from 'node:net';

export interface SocketResponse {
  readonly status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Parses one complete HTTP/1.1 response (Content-Length or until close; no chunking). */
export function parseResponse(bytes: Buffer): SocketResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1)
    throw new Error(
      `no complete response head in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`,
    );
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  const length = headers['content-length'];
  return { status, headers, body: length === undefined ? rest : rest.subarray(0, Number(length)) };
}

/**
 * Sends `request` exactly (it should say `Connection: close`) and resolves with the answer once
 * the server closes the connection.
 */
export function socketRequest(port: number, request: Buffer): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/**
 * Sends `head` and `bodyStart` (part of a longer body the head announces) and resolves with
 * the response head as soon as it arrives, the rest of the body never sent.
 */
export function responseBeforeBody(
  port: number,
  head: string,
  bodyStart: Buffer,
): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(head);
      socket.write(bodyStart);
    });
    const chunks: Buffer[] = [];
    const done = (outcome: () => void) => {
      socket.destroy();
      outcome();
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      if (bytes.includes('\r\n\r\n')) done(() => resolve(parseResponse(bytes)));
    });
    socket.on('error', (error) => done(() => reject(error)));
    socket.on('close', () => reject(new Error('closed before any answer')));
  });
}

/** A GET request with `target` as raw bytes (UTF-8 left unencoded). */
export function rawGet(target: string, headers: Record<string, string> = {}): Buffer {
  const lines = [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    'Connection: close',
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
