// Downloads one object into a local file as range GETs in parallel. One stream from a gateway
// often runs well below what the gateway can serve: radosgw here took 38 ms for a 3 MB object
// as one GET and 22 ms as ranges read at once (docs/performance.md, B12). The first range's
// headers give the size, so the byte cap refuses a large object before the rest is asked for.

import { type FileHandle, open } from 'node:fs/promises';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Fetched } from './original-copies.js';
import { statusOf, unquote } from './s3-errors.js';

/** The first range, and the size of every other one. */
export const RANGE_BYTES = 1024 * 1024;
/** Ranges in flight after the first. */
const PARALLEL_RANGES = 3;

export interface RangedGetOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Where the bytes go (created or truncated). */
  readonly file: string;
  /** The ETag of the copy held: when it is still current, nothing is read. */
  readonly held: string | undefined;
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  /** The error for an object of `bytes` over `maxBytes`. */
  readonly tooLarge: (bytes: number) => Error;
}

type Body = AsyncIterable<Uint8Array> & { destroy(): void };

/** The object was replaced between two of its ranges: read it again. */
export class ChangedWhileRead extends Error {}

/** `bytes 0-1048575/2977428` -> 2977428; undefined when absent or unreadable. */
export function totalOf(contentRange: string | undefined): number | undefined {
  const total = /^bytes \d+-\d+\/(\d+)$/.exec(contentRange ?? '')?.[1];
  return total === undefined ? undefined : Number(total);
}

/** The byte ranges after the first that make up an object of `total` bytes. */
export function rangesAfterFirst(total: number): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (let start = RANGE_BYTES; start < total; start += RANGE_BYTES) {
    ranges.push({ start, end: Math.min(total, start + RANGE_BYTES) - 1 });
  }
  return ranges;
}

/**
 * Reads the object into `options.file`. Throws the SDK's error for a failed request (304 when
 * `held` is current is answered as 'unchanged'), `tooLarge` past the cap, and an Error when
 * the object changed between its ranges (the caller's retry reads the new one whole).
 */
export async function rangedGet(options: RangedGetOptions): Promise<Fetched> {
  const { client, bucket, key, signal } = options;
  const send = (range: string | undefined, extra: { IfNoneMatch?: string } = {}) =>
    client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(range === undefined ? {} : { Range: range }),
        ...extra,
      }),
      { abortSignal: signal },
    );
  let first: GetObjectCommandOutput;
  try {
    first = await send(
      `bytes=0-${RANGE_BYTES - 1}`,
      options.held === undefined ? {} : { IfNoneMatch: `"${options.held}"` },
    );
  } catch (error) {
    if (options.held !== undefined && statusOf(error) === 304) return { kind: 'unchanged' };
    // An empty object has no byte 0: read it whole.
    if (statusOf(error) !== 416) throw error;
    first = await send(undefined);
  }
  const version = unquote(first.ETag);
  // A gateway that ignores Range answers the whole object (200, no Content-Range).
  const total = totalOf(first.ContentRange) ?? first.ContentLength ?? 0;
  const firstBody = first.Body as unknown as Body;
  if (total > options.maxBytes) {
    firstBody.destroy();
    throw options.tooLarge(total);
  }
  const whole = first.ContentRange === undefined;
  const handle = await open(options.file, 'w');
  try {
    const rest = whole ? [] : rangesAfterFirst(total);
    let next = 0;
    let failed = false;
    const noteFailure = (error: unknown) => {
      failed = true;
      throw error;
    };
    const reads: Promise<void>[] = [
      writeAt(handle, firstBody, 0, whole ? total : Math.min(total, RANGE_BYTES), options).catch(
        noteFailure,
      ),
    ];
    const worker = async () => {
      for (let range = rest[next++]; range !== undefined && !failed; range = rest[next++]) {
        const part = await send(`bytes=${range.start}-${range.end}`);
        const body = part.Body as unknown as Body;
        if (unquote(part.ETag) !== version) {
          body.destroy();
          throw new ChangedWhileRead(`${key} changed while it was read`);
        }
        await writeAt(handle, body, range.start, range.end + 1, options);
      }
    };
    for (let i = 0; i < Math.min(PARALLEL_RANGES, rest.length); i += 1) {
      reads.push(worker().catch(noteFailure));
    }
    // Every read settles before the file is closed; the first failure is the answer.
    const settled = await Promise.allSettled(reads);
    const rejected = settled.find((result) => result.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason;
  } finally {
    await handle.close();
  }
  return {
    kind: 'fetched',
    version,
    size: total,
    mtimeMs: first.LastModified?.getTime() ?? Date.now(),
  };
}

/** Writes `body` at [start, end) of the file; more or fewer bytes than that is an error. */
async function writeAt(
  handle: FileHandle,
  body: Body,
  start: number,
  end: number,
  options: RangedGetOptions,
): Promise<void> {
  let position = start;
  try {
    for await (const chunk of body) {
      if (position + chunk.length > end) {
        body.destroy();
        throw new Error(`${options.key}: more bytes arrived than the range asked for`);
      }
      await handle.write(chunk, 0, chunk.length, position);
      position += chunk.length;
    }
  } catch (error) {
    // A body cut by the deadline ends however the stream likes: say it was the deadline.
    throw options.signal.aborted ? options.signal.reason : error;
  }
  if (options.signal.aborted) throw options.signal.reason;
  if (position !== end) {
    throw new Error(`${options.key}: ${position - start} of ${end - start} bytes arrived`);
  }
}
