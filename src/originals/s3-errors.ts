// What an S3 SDK error says, for the stores that speak S3: its HTTP status and a short phrase
// for messages (no stack, no secrets).

/** The HTTP status of an SDK error, when it got an answer. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

/** An ETag without its quotes (radosgw compares If-Match unquoted). */
export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

/** `it answered HTTP 503 (ServiceUnavailable)`, `it did not answer in time`, ... */
export function describe(error: unknown): string {
  const status = statusOf(error);
  const name = (error as Error | undefined)?.name ?? 'Error';
  if (name === 'TimeoutError' || name === 'AbortError') return 'it did not answer in time';
  if (status !== undefined) return `it answered HTTP ${status} (${name})`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return `the request failed (${code ?? (error as Error | undefined)?.message ?? name})`;
}
