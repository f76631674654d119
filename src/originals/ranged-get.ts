// Downloads one object: one GET up to RANGE_BYTES, parallel range GETs of that size beyond it
// (the size AWS suggests for byte-range fetches). The first request's headers give the size,
// so the byte cap refuses a large object before the rest is asked for. An object the caller
// lets it keep in memory lands in one buffer of exactly its size (sharp reads it as it is,
// and the read-through copy is one write of it, behind the render: docs/performance.md,
// B12); a larger one goes to a local file.

import { type FileHandle, open } from 'node:fs/promises';
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Fetched } from './original-copies.js';
import { statusOf, unquote } from './s3-errors.js';

/** The first request, and the size of every range after it. */
export const RANGE_BYTES = 8 * 1024 * 1024;
/** Ranges in flight after the first. */
const PARALLEL_RANGES = 3;

export interface RangedGetOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** An object of at most this many bytes is read into memory, a larger one into `file`. */
  readonly memoryBytes: number;
  /** The buffer an object read into memory lands in; a new one of its size by default. */
  readonly allocate?: (size: number) => Buffer;
  /** Where an object over `memoryBytes` goes (created or truncated); nothing else uses it. */
  readonly file: string;
  /** The ETag of the copy held: when it is still current, nothing is read. */
  readonly held: string | undefined;
  readonly maxBytes: number;
  readonly signal: AbortSignal;
  /** The error for an object of `bytes` over `maxBytes`. */
  readonly tooLarge: (bytes: number) => Error;
  /** Bytes per request; RANGE_BYTES unless a test wants many ranges of a small object. */
  readonly rangeBytes?: number;
}

type Body = AsyncIterable<Uint8Array> & { destroy(): void };

/** Puts a chunk of the object at its position (in memory, or in the file). */
type Sink = (chunk: Uint8Array, position: number) => unknown;

/** The object was replaced between two of its ranges: read it again. */
export class ChangedWhileRead extends Error {}

/** `bytes 0-1048575/2977428` -> 2977428; undefined when absent or unreadable. */
export function totalOf(contentRange: string | undefined): number | undefined {
  const total = /^bytes \d+-\d+\/(\d+)$/.exec(contentRange ?? '')?.[1];
  return total === undefined ? undefined : Number(total);
}

/** The byte ranges after the first that make up an object of `total` bytes. */
export function rangesAfterFirst(
  total: number,
  rangeBytes = RANGE_BYTES,
): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  for (let start = rangeBytes; start < total; start += rangeBytes) {
    ranges.push({ start, end: Math.min(total, start + rangeBytes) - 1 });
  }
  return ranges;
}

/**
 * Reads the object into memory, or into `options.file` when it is larger than
 * `options.memoryBytes` (then `bytes` is absent). Throws the SDK's error for a failed request (304 when
 * `held` is current is answered as 'unchanged'), `tooLarge` past the cap, and an Error when
 * the object changed between its ranges (the caller's retry reads the new one whole).
 */
export async function rangedGet(options: RangedGetOptions): Promise<Fetched> {
  const { client, bucket, key, signal } = options;
  const rangeBytes = options.rangeBytes ?? RANGE_BYTES;
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
      `bytes=0-${rangeBytes - 1}`,
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
  const rest = first.ContentRange === undefined ? [] : rangesAfterFirst(total, rangeBytes);
  const allocate = options.allocate ?? Buffer.allocUnsafe;
  const bytes = total <= options.memoryBytes ? allocate(total) : undefined;
  let handle: FileHandle | undefined;
  try {
    let sink: Sink;
    if (bytes !== undefined) {
      sink = (chunk, position) => bytes.set(chunk, position);
    } else {
      const file = await open(options.file, 'w').catch((error: unknown) => {
        firstBody.destroy();
        throw error;
      });
      handle = file;
      sink = (chunk, position) => file.write(chunk, 0, chunk.length, position);
    }
    await readAll(sink);
  } finally {
    await handle?.close();
  }
  return {
    kind: 'fetched',
    version,
    size: total,
    mtimeMs: first.LastModified?.getTime() ?? Date.now(),
    ...(bytes === undefined ? {} : { bytes }),
  };

  /** The first body, then the `rest` as ranges, PARALLEL_RANGES at a time, into `sink`. */
  async function readAll(sink: Sink): Promise<void> {
    let next = 0;
    let failed = false;
    let cause: unknown;
    // The bodies being read: the first failure ends them all, not only new ranges.
    const reading = new Set<Body>();
    const noteFailure = (error: unknown) => {
      if (!failed) {
        failed = true;
        cause = error;
        for (const body of reading) body.destroy();
      }
    };
    const read = async (body: Body, start: number, end: number) => {
      reading.add(body);
      try {
        await readInto(sink, body, start, end, options);
      } finally {
        reading.delete(body);
      }
    };
    const reads = [read(firstBody, 0, rest.length === 0 ? total : rangeBytes).catch(noteFailure)];
    const worker = async () => {
      for (let range = rest[next++]; range !== undefined && !failed; range = rest[next++]) {
        const part = await send(`bytes=${range.start}-${range.end}`);
        const body = part.Body as unknown as Body;
        if (failed || unquote(part.ETag) !== version) {
          body.destroy();
          if (failed) return;
          throw new ChangedWhileRead(`${key} changed while it was read`);
        }
        await read(body, range.start, range.end + 1);
      }
    };
    for (let i = 0; i < Math.min(PARALLEL_RANGES, rest.length); i += 1) {
      reads.push(worker().catch(noteFailure));
    }
    // Every read settles before the file is closed; the first failure is the answer (the
    // bodies it cut short fail after it).
    await Promise.all(reads);
    if (failed) throw cause;
  }
}

/** Puts `body` at [start, end) of the object; more or fewer bytes than that is an error. */
async function readInto(
  sink: Sink,
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
      await sink(chunk, position);
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
