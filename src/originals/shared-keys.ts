// Object keys of shared renditions (RENDITION_STORE=s3): the cache layout path under a
// renditions prefix that no original's key can spell, so originals and renditions never
// collide and the originals' rescan never mistakes a rendition for an original.

/** The object of the rendition whose cache file is `cacheFile` (relative, `/`-separated). */
export function sharedKeyOf(prefix: string, cacheFile: string): string {
  return `${prefix}/${cacheFile}`;
}

/**
 * The key prefix listing every shared rendition of the original at media path `path`:
 * the layout puts them all below `<path>/`, which no other original's renditions share.
 */
export function sharedPrefixOf(prefix: string, path: string): string {
  return `${prefix}/${path}/`;
}

/**
 * The version a shared object must carry (as metadata) to be served: the original's content
 * hash and its PPOI, so an object stored by a render that raced a replace or a PPOI change
 * is recognised as stale instead of being protected by `If-None-Match: *` forever.
 */
export function renditionVersion(sha256: string, ppoi: readonly [number, number]): string {
  return `${sha256}:${ppoi[0]}x${ppoi[1]}`;
}
