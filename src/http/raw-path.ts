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
  const origin = target.startsWith('/') ? null : /^https?:\/\/[^/?#]*/i.exec(target);
  if (origin !== null) target = target.slice(origin[0].length) || '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}

/** What the media routes need from the request headers, read in one pass. */
export interface MediaHeaders {
  /**
   * The FIRST `Accept`, as nginx's `$http_accept` sees it (Node joins repeated headers with
   * commas, which would make the two negotiate differently).
   */
  readonly accept: string | undefined;
  /** True when any `If-*` header is present: the full conditional evaluation is needed. */
  readonly conditional: boolean;
}

export function mediaHeadersOf(c: Context): MediaHeaders {
  const incoming = (c.env as { incoming?: { rawHeaders?: string[] } } | undefined)?.incoming;
  const raw = incoming?.rawHeaders;
  if (raw === undefined) {
    const names = [...c.req.raw.headers.keys()];
    return { accept: c.req.header('accept'), conditional: names.some((n) => n.startsWith('if-')) };
  }
  let accept: string | undefined;
  let conditional = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    // Compare lengths first: most headers are neither `accept` (6) nor `if-…`.
    if (accept === undefined && name.length === 6 && name.toLowerCase() === 'accept') {
      accept = raw[i + 1];
    } else if (!conditional && name.length > 3 && name.slice(0, 3).toLowerCase() === 'if-') {
      conditional = true;
    }
  }
  return { accept, conditional };
}
