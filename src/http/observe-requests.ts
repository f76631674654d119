// Per-request bookkeeping once the answer is ready: the outcome and error code the routes
// reported on the context go to the metrics and to the access log line.

import type { MiddlewareHandler } from 'hono';
import type { Outcome } from '../services/media-service.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** How a media request was answered (set by the media routes). */
    outcome: Outcome;
    /** The `error.code` of an error response (set by the error handlers). */
    errorCode: string;
  }
}

/** One access log line. `path` has no query string: nothing secret can ride along. */
export interface AccessLine {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Until the response was ready to send (headers), in milliseconds. */
  readonly durationMs: number;
  /** `none` for anything that is not a media request. */
  readonly outcome: Outcome | 'none';
  /** The error code of an error response. */
  readonly code: string | undefined;
}

/** What the server counts per request (implemented by the metrics module). */
export interface RequestObserver {
  /** A media request was answered this way. */
  served(outcome: Outcome): void;
  /** A request was answered with this error code. */
  failed(code: string): void;
}

export interface ObserveRequestsOptions {
  readonly observer: RequestObserver;
  /** Absent: no access log, and no clock read per request. */
  readonly accessLog?: (line: AccessLine) => void;
}

/** Middleware that reports every request after the inner handlers (and error handler) ran. */
export function observeRequests(options: ObserveRequestsOptions): MiddlewareHandler {
  const { observer, accessLog } = options;
  return async function observeRequest(c, next) {
    const start = accessLog === undefined ? 0 : performance.now();
    await next();
    const outcome = c.get('outcome');
    const code = c.get('errorCode');
    if (outcome !== undefined) observer.served(outcome);
    if (code !== undefined) observer.failed(code);
    if (accessLog === undefined) return;
    accessLog({
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - start) * 100) / 100,
      outcome: outcome ?? 'none',
      code,
    });
  };
}
