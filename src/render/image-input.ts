// What sharp reads an original from.

/** A local file's path, or the original's bytes in memory (an S3 fetch just brought them). */
export type ImageInput = string | Buffer;
