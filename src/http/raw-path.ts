// The request path exactly as the client sent it: no dot-segment resolution, no decoding.

import type { Context } from 'hono';

/**
 * Hono's URL has `..` and `%2e%2e` already resolved by the WHATWG URL parser; the media
 * path grammar must see them to refuse them, so read the raw request target when running
 * on Node. `app.request()` in tests has no socket and falls back to the parsed URL.
 */
export function rawPathOf(c: Context): string {
  const incoming = (c.env as { incoming?: { url?: string } } | undefined)?.incoming;
  let target = incoming?.url ?? new URL(c.req.url).pathname;
  // An absolute-form target (`GET http://host/media/x HTTP/1.1`, as proxies send): drop the origin.
  const origin = /^https?:\/\/[^/?#]*/i.exec(target);
  if (origin !== null) target = target.slice(origin[0].length) || '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/**
 * The FIRST value of a request header, as nginx's `$http_<name>` sees it (Node joins
 * repeated headers with commas, which would make the two negotiate differently).
 */
export function firstHeaderOf(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: { rawHeaders?: string[] } } | undefined)?.incoming;
  const raw = incoming?.rawHeaders;
  if (raw === undefined) return c.req.header(name);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if ((raw[i] as string).toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}
