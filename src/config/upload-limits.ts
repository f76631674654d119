// The request body an upload may have: the original's cap plus room for the multipart envelope.

/** Bytes allowed on top of MAX_SOURCE_BYTES for multipart boundaries, headers and fields. */
export const MULTIPART_ENVELOPE_BYTES = 64 * 1024;

/**
 * Largest upload request body, in bytes: Node refuses a longer `Content-Length` at once, and
 * the generated nginx config gives the upload route exactly this `client_max_body_size`.
 */
export function uploadBodyBytes(maxSourceBytes: number): number {
  return maxSourceBytes + MULTIPART_ENVELOPE_BYTES;
}
