// Shared renditions (RENDITION_STORE=s3) as objects in S3_BUCKET under S3_RENDITIONS_PREFIX:
// `<prefix>/<cache layout path>`, each carrying the version of the original it was made from.
// Creates are conditional (`If-None-Match: *`), so exactly one object exists per rendition.

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isCropFile } from '../cache/layout.js';
import { AppError, quoteInput } from '../errors.js';
import { checkMediaPath } from '../url/media-path.js';
import { type S3Location, s3ClientFor, whereOf } from './s3-client.js';
import { describe, statusOf } from './s3-errors.js';

/** The object metadata (`x-amz-meta-rendition-version`) naming the version rendered. */
const VERSION_META = 'rendition-version';
/** Keys per DeleteObjects call (the S3 limit). */
const DELETE_BATCH = 1000;

/** A shared rendition as found in the bucket. */
export interface SharedObject {
  readonly body: Buffer;
  /** The version it was rendered from (shared-version.ts); '' when the object has none. */
  readonly version: string;
}

export interface SharedRenditionStore {
  /** The object for a cache file (relative to CACHE_ROOT); undefined when there is none. */
  get(relative: string): Promise<SharedObject | undefined>;
  /** Creates the object unless one exists (then another node's object won, and stays). */
  create(relative: string, body: Buffer, version: string, contentType: string): Promise<void>;
  /** Deletes the object of one cache file. */
  remove(relative: string): Promise<void>;
  /** Deletes the shared renditions of the original at `path`: all, or only its crops. */
  purge(path: string, which: 'all' | 'crop'): Promise<void>;
  close(): void;
}

export interface S3RenditionsOptions {
  readonly location: S3Location;
  /** S3_RENDITIONS_PREFIX as resolved (never empty; apart from S3_PREFIX). */
  readonly prefix: string;
  /** An object larger than this is not read (a rendition never is; the bucket may hold anything). */
  readonly maxBytes: number;
  /** Each request within this (FETCH_TIMEOUT_MS). */
  readonly timeoutMs: number;
}

export function createS3Renditions(options: S3RenditionsOptions): SharedRenditionStore {
  const { location, prefix } = options;
  const { bucket } = location;
  const client: S3Client = s3ClientFor(location);
  const timeout = () => ({ abortSignal: AbortSignal.timeout(options.timeoutMs) });
  const keyOf = (relative: string) => `${prefix}/${relative}`;

  function unavailable(error: unknown): AppError {
    return new AppError(
      'ORIGINALS_UNAVAILABLE',
      `Expected the shared renditions in bucket ${quoteInput(bucket)} at ${whereOf(location)} (S3_ENDPOINT) to answer but ${describe(error)}`,
      { cause: error },
    );
  }

  async function listUnder(keyPrefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: keyPrefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
        timeout(),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  async function deleteKeys(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
        timeout(),
      );
    }
  }

  return {
    async get(relative) {
      try {
        const response = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: keyOf(relative) }),
          timeout(),
        );
        if ((response.ContentLength ?? 0) > options.maxBytes) {
          (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
          return undefined;
        }
        const bytes = await response.Body?.transformToByteArray();
        if (bytes === undefined) return undefined;
        return {
          body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          version: response.Metadata?.[VERSION_META] ?? '',
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw unavailable(error);
      }
    },

    async create(relative, body, version, contentType) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: keyOf(relative),
            Body: body,
            ContentType: contentType,
            Metadata: { [VERSION_META]: version },
            IfNoneMatch: '*',
          }),
          timeout(),
        );
      } catch (error) {
        // 412: an object exists; 409: a concurrent conditional PUT of it is in progress.
        const status = statusOf(error);
        if (status !== 412 && status !== 409) throw unavailable(error);
      }
    },

    async remove(relative) {
      try {
        await deleteKeys([keyOf(relative)]);
      } catch (error) {
        throw unavailable(error);
      }
    },

    async purge(path, which) {
      const under = `${keyOf(checkMediaPath(path))}/`;
      try {
        const keys = (await listUnder(under)).filter(
          (key) => which === 'all' || isCropFile(key.slice(under.length)),
        );
        await deleteKeys(keys);
      } catch (error) {
        throw unavailable(error);
      }
    },

    close() {
      client.destroy();
    },
  };
}
