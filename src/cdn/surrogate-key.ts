// The key a CDN files an answer under: its original's media path, the same from Node and nginx.

/**
 * The surrogate key of an original (and of all its renditions): its media path, with every
 * non-ASCII byte percent-encoded (uppercase hex), so the header is plain ASCII. Media paths
 * have no spaces or commas (src/url/media-path.ts), the separators of Fastly's and
 * Cloudflare's key lists. nginx writes the same key for ASCII paths and hands the others
 * to Node (docs/cdn.md).
 */
export function surrogateKeyOf(path: string): string {
  // Every other character a media path may hold (letters, digits, `._~@+-`, `/`) is one
  // encodeURI keeps, so this encodes exactly the non-ASCII bytes.
  return encodeURI(path);
}
