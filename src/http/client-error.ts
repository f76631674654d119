// Requests Node's HTTP parser refuses before any route runs: answered in the JSON error shape.

import type { Duplex } from 'node:stream';
import { AppError, publicErrorFor } from '../errors.js';

/**
 * The message for a request target with a byte Node's parser refuses (raw UTF-8, a space, a
 * control byte): nginx hands such targets to Node, so both answer exactly this.
 */
export const NON_ASCII_TARGET_MESSAGE =
  'Expected a request target of printable ASCII, other bytes percent-encoded (é as %C3%A9)';

/** Node's parse error (`HPE_*`) or timeout code -> the error a client sees. */
export function clientErrorFor(code: string | undefined): AppError {
  switch (code) {
    case 'HPE_INVALID_URL':
      return new AppError('BAD_PATH', NON_ASCII_TARGET_MESSAGE);
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('HEADERS_TOO_LARGE', 'Expected request headers of at most 16 KiB');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('REQUEST_TIMEOUT', 'The request did not arrive in time');
    default:
      return new AppError('BAD_REQUEST', 'Expected a well-formed HTTP/1.1 request');
  }
}

/** The whole HTTP response for `error`, written straight to the socket. */
export function clientErrorResponse(error: AppError): string {
  const { status, body } = publicErrorFor(error);
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/**
 * For `server.on('clientError', …)`. Node's own answer is a bodiless 400 (a raw `é` in the
 * path is such a parse error: llhttp refuses bytes over 0x7e in a target, even with
 * `insecureHTTPParser`). As Node does, nothing is written once a response has started on
 * the socket, and a reset connection is just closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Node's in-flight response on this socket, if any (what its default handler checks too).
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(clientErrorFor(error.code)));
}
