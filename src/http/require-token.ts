// The bearer-token gate shared by the admin API and (when asked) /metrics.

import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import { tokenMatches } from '../services/admin-token.js';

/**
 * Middleware refusing (401) any request without `Authorization: Bearer <token>`, before any
 * byte of its body is read: mount it first. What the client still sends is then discarded by
 * Node as it arrives (never buffered); closing the connection instead would make the kernel
 * reset it, and the client could lose the 401.
 */
export function requireToken(token: string): MiddlewareHandler {
  return async function checkToken(c, next) {
    const header = c.req.header('authorization') ?? '';
    const presented = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
    if (presented === '' || !tokenMatches(presented, token)) {
      throw new AppError('UNAUTHORIZED', 'Expected Authorization: Bearer <ADMIN_TOKEN>', {
        headers: { 'WWW-Authenticate': 'Bearer realm="rendition admin"' },
      });
    }
    await next();
  };
}
