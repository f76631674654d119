// The request path exactly as the client sent it: no dot-segment resolution, no decoding.

import type { Context } from 'hono';

/**
 * Hono's URL has `..` and `%2e%2e` already resolved by the WHATWG URL parser; the media
 * path grammar must see them to refuse them, so read the raw request target when running
 * on Node. `app.request()` in tests has no socket and falls back to the parsed URL.
 */
export function rawPathOf(c: Context): string {
  const incoming = (c.env as { incoming?: { url?: string } } | undefined)?.incoming;
  const target = incoming?.url ?? new URL(c.req.url).pathname;
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
