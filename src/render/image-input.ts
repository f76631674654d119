// What sharp reads an original from.

/** A local file's path, or the original's bytes in memory (an S3 fetch just brought them). */
export type ImageInput = string | Buffer;

/**
 * Keeps an input readable while work on it runs: called when the work starts; what it
 * returns is called when the work ends (even after the caller stopped waiting for it).
 */
export type Hold = () => () => void;
