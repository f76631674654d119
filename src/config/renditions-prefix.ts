// The key prefix of shared renditions (RENDITION_STORE=s3) beside S3_PREFIX: no original's key
// may start with it, so originals and renditions never collide and the originals' rescan
// never mistakes a rendition for an original.

/** The segment the default renditions prefix adds under S3_PREFIX: `:` is in no media path. */
export const SHARED_RENDITIONS_SEGMENT = ':renditions';

/** S3_RENDITIONS_PREFIX when unset: `<S3_PREFIX>/:renditions` (or `:renditions`). */
export function defaultRenditionsPrefix(originalsPrefix: string): string {
  return originalsPrefix === ''
    ? SHARED_RENDITIONS_SEGMENT
    : `${originalsPrefix}/${SHARED_RENDITIONS_SEGMENT}`;
}

/**
 * Why `renditions` and `originals` (both without slashes at either end) may not share a
 * bucket, or undefined when they keep apart: neither may contain the other, except that a
 * renditions prefix inside S3_PREFIX is fine when its first segment below it holds a `:`
 * (no media path does, so no original's key starts with it).
 */
export function renditionsPrefixProblem(renditions: string, originals: string): string | undefined {
  const problem = `S3_RENDITIONS_PREFIX (${JSON.stringify(renditions)}) and S3_PREFIX (${JSON.stringify(originals)}) overlap: renditions would be stored among originals`;
  if (renditions === '') return 'S3_RENDITIONS_PREFIX: expected a key prefix, not the bucket root';
  if (renditions === originals) return problem;
  const inside = (inner: string, outer: string) => outer === '' || inner.startsWith(`${outer}/`);
  if (inside(renditions, originals)) {
    const below = originals === '' ? renditions : renditions.slice(originals.length + 1);
    return below.split('/')[0]?.includes(':') ? undefined : problem;
  }
  if (inside(originals, renditions)) return problem;
  return undefined;
}
