// Signed rendition URLs: HMAC-SHA256 over the canonical rendition path, in the query string.
// The signature never changes the cache file, so nginx serves a signed rendition like any other.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RenditionSpec } from './rendition-spec.js';
import { formatRenditionPath } from './rendition-url.js';

/** The query parameter carrying the signature: `?s=<base64url>`. */
export const SIGNATURE_PARAM = 's';

const DIGEST_BYTES = 32;
// base64url of 32 bytes, no padding: 43 characters.
const SIGNATURE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The signature of a rendition: base64url (no padding) of HMAC-SHA256, keyed with the UTF-8
 * bytes of `key`, over the UTF-8 bytes of the canonical rendition path, i.e. the decoded
 * media part of the URL after `MEDIA_URL/` as {@link formatRenditionPath} writes it
 * (`photos/cat.jpg/crop/500x300.webp`): no MEDIA_URL, no leading slash, no query, no
 * percent-encoding. Equivalent URLs therefore share one signature.
 */
export function signatureFor(key: string, spec: RenditionSpec): string {
  return digest(key, formatRenditionPath(spec)).toString('base64url');
}

/**
 * True when `signature` is the signature of `spec` under any of `keys` (rotation: all are
 * accepted). Compared in constant time on equal-length digests; a malformed value is false.
 */
export function signatureMatches(
  signature: string,
  spec: RenditionSpec,
  keys: readonly string[],
): boolean {
  if (!SIGNATURE_SHAPE.test(signature)) return false;
  const presented = Buffer.from(signature, 'base64url');
  // Only the canonical spelling: the unused low bits of the last character must be zero.
  if (presented.length !== DIGEST_BYTES || presented.toString('base64url') !== signature)
    return false;
  const path = formatRenditionPath(spec);
  // Every key is tried, so the time taken does not tell which one matched.
  let matched = false;
  for (const key of keys) if (timingSafeEqual(presented, digest(key, path))) matched = true;
  return matched;
}

function digest(key: string, path: string): Buffer {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(path, 'utf8').digest();
}
