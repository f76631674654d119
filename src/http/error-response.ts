// The one place errors become responses: `{"error":{"code","message"}}`, never a stack trace.

import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, publicErrorFor } from '../errors.js';

export type ErrorLogger = (error: unknown, context: { method: string; path: string }) => void;

/** Hono `onError` handler; unexpected errors are logged and answered as a bare 500. */
export function createErrorHandler(log: ErrorLogger) {
  return function handleError(thrown: unknown, c: Context): Response {
    const error = fromHttpException(thrown);
    if (!(error instanceof AppError)) log(error, { method: c.req.method, path: c.req.path });
    const { status, headers, body } = publicErrorFor(error);
    c.set('errorCode', body.error.code);
    return c.json(body, status as 400, { ...headers, 'Cache-Control': 'no-store' });
  };
}

/** Hono's own 4xx refusals (e.g. a Content-Type its validators do not accept) as BAD_REQUEST. */
function fromHttpException(error: unknown): unknown {
  if (!(error instanceof HTTPException) || error.status >= 500) return error;
  return new AppError('BAD_REQUEST', `Expected a well-formed request: ${error.message}`, {
    cause: error,
  });
}

export function notFoundResponse(c: Context): Response {
  c.set('errorCode', 'NOT_FOUND');
  return c.json({ error: { code: 'NOT_FOUND', message: 'No such route' } }, 404, {
    'Cache-Control': 'no-store',
  });
}
