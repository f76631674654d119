// The one place errors become responses: `{"error":{"code","message"}}`, never a stack trace.

import type { Context } from 'hono';
import { AppError, publicErrorFor } from '../errors.js';

export type ErrorLogger = (error: unknown, context: { method: string; path: string }) => void;

/** Hono `onError` handler; unexpected errors are logged and answered as a bare 500. */
export function createErrorHandler(log: ErrorLogger) {
  return function handleError(error: unknown, c: Context): Response {
    if (!(error instanceof AppError)) log(error, { method: c.req.method, path: c.req.path });
    const { status, headers, body } = publicErrorFor(error);
    c.set('errorCode', body.error.code);
    return c.json(body, status as 400, { ...headers, 'Cache-Control': 'no-store' });
  };
}

export function notFoundResponse(c: Context): Response {
  c.set('errorCode', 'NOT_FOUND');
  return c.json({ error: { code: 'NOT_FOUND', message: 'No such route' } }, 404, {
    'Cache-Control': 'no-store',
  });
}
