// HTTP validators in nginx's exact format, so a client's ETag is valid whoever served it.

/** `"<mtime seconds hex>-<size hex>"`, as nginx's ngx_http_set_etag writes it. */
export function etagFor(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
}

export function lastModifiedFor(mtimeMs: number): string {
  return new Date(Math.floor(mtimeMs / 1000) * 1000).toUTCString();
}

/** The conditional request headers, as received. */
export interface Conditions {
  readonly ifMatch?: string | undefined;
  readonly ifUnmodifiedSince?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
}

export type ConditionOutcome = 'send' | 'not-modified' | 'precondition-failed';

/**
 * Evaluates conditional headers exactly as nginx's not_modified filter does, so a request
 * gets the same answer from Node and from nginx: `If-Unmodified-Since` and `If-Match`
 * (strong comparison) may fail with 412; then 304 only when every validator given
 * (`If-Modified-Since` as `if_modified_since before`, `If-None-Match` weakly) says current.
 */
export function evaluateConditions(
  conditions: Conditions,
  etag: string,
  mtimeMs: number,
): ConditionOutcome {
  const modified = Math.floor(mtimeMs / 1000) * 1000;
  if (conditions.ifUnmodifiedSince !== undefined) {
    // nginx treats an unparsable date as failing the precondition.
    const since = Date.parse(conditions.ifUnmodifiedSince);
    if (Number.isNaN(since) || since < modified) return 'precondition-failed';
  }
  if (conditions.ifMatch !== undefined && !matchesTag(conditions.ifMatch, etag, false)) {
    return 'precondition-failed';
  }
  const { ifModifiedSince, ifNoneMatch } = conditions;
  if (ifModifiedSince === undefined && ifNoneMatch === undefined) return 'send';
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    if (Number.isNaN(since) || since < modified) return 'send';
  }
  if (ifNoneMatch !== undefined && !matchesTag(ifNoneMatch, etag, true)) return 'send';
  return 'not-modified';
}

/** nginx's ngx_http_test_if_match: `*` only alone; a weak comparison ignores `W/`. */
function matchesTag(header: string, etag: string, weak: boolean): boolean {
  const value = header.trim();
  if (value === '*') return true;
  const ours = weak ? etag.replace(/^W\//, '') : etag;
  return value.split(',').some((raw) => {
    const tag = raw.trim();
    if (weak) return tag.replace(/^W\//, '') === ours;
    return !tag.startsWith('W/') && !ours.startsWith('W/') && tag === ours;
  });
}

/** The `Cache-Control` value both Node and the generated nginx config send. */
export function cacheControlFor(maxAge: number): string {
  return `public, max-age=${maxAge}`;
}
