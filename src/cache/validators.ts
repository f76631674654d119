// HTTP validators in nginx's exact format, so a client's ETag is valid whoever served it.

/** `"<mtime seconds hex>-<size hex>"`, as nginx's ngx_http_set_etag writes it. */
export function etagFor(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
}

export function lastModifiedFor(mtimeMs: number): string {
  return new Date(Math.floor(mtimeMs / 1000) * 1000).toUTCString();
}

/**
 * True when the request's validators say the client's copy is current. `If-None-Match`
 * wins over `If-Modified-Since` (RFC 9110); the date compares like nginx's
 * `if_modified_since before`.
 */
export function isNotModified(
  request: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
  etag: string,
  mtimeMs: number,
): boolean {
  if (request.ifNoneMatch !== undefined) {
    return request.ifNoneMatch
      .split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === etag || tag === '*');
  }
  if (request.ifModifiedSince !== undefined) {
    const since = Date.parse(request.ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
  }
  return false;
}

/** The `Cache-Control` value both Node and the generated nginx config send. */
export function cacheControlFor(maxAge: number): string {
  return `public, max-age=${maxAge}`;
}
