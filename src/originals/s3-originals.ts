// Originals in an S3 bucket under S3_PREFIX (AWS, R2, MinIO, Ceph radosgw): the only module
// that speaks S3. Renders read a bounded local read-through copy (original-copies.ts); a
// create is a conditional PUT (`If-None-Match: *`), so exactly one writer wins a path; a
// rescan notices objects replaced behind rendition's back and has their renditions purged.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError, quoteInput } from '../errors.js';
import { mediaTypeFor } from '../url/media-types.js';
import { isHiddenPath, originalNotFound } from '../url/original-path.js';
import { createBucketHealth } from './bucket-health.js';
import { type KnownVersions, loadKnownVersions } from './known-versions.js';
import { asideKeyOf, keyOf, pathOfKey } from './object-keys.js';
import { createOriginalCopies, type FetchMemory, type Fetched } from './original-copies.js';
import { type S3Location, s3ClientFor, whereOf } from './s3-client.js';
import { ChangedWhileRead, rangedGet } from './ranged-get.js';
import { describe, statusOf, unquote } from './s3-errors.js';
import type { OriginalKind, OriginalsStore, SetAside } from './originals-store.js';

/** A fetched original up to this size is read into memory; a larger one into its file. */
const MEMORY_BYTES = 16 * 1024 * 1024;
/**
 * Fetched originals held in memory at once; past it a fetch is read into its file, so a
 * burst of misses on many large originals cannot exhaust memory.
 */
const ORIGINALS_IN_MEMORY_BYTES = 64 * 1024 * 1024;

/** Files from this size up are sent as a multipart upload (8 MiB parts, 2 in flight). */
const MULTIPART_BYTES = 16 * 1024 * 1024;
const PART_BYTES = 8 * 1024 * 1024;

export interface S3OriginalsOptions {
  readonly location: S3Location;
  /** Local dir of this process's own: temp files of uploads and the read-through copies. */
  readonly workDir: string;
  /** ORIGINALS_CACHE_BYTES. */
  readonly cacheBytes: number;
  /** Where the ETags last seen are kept between runs (a file in DATA_DIR). */
  readonly versionsFile: string;
  /** An object larger than this is refused (SOURCE_TOO_LARGE) without being read whole. */
  readonly maxBytes: number;
  /** Each S3 request (and a fetch of an original, body included) within this. */
  readonly timeoutMs: number;
  /** ORIGINALS_RESCAN_SECONDS, in ms: how stale a copy or a known ETag may get. */
  readonly rescanMs: number;
  /** Keys under S3_PREFIX that are no originals and that a rescan skips (`<renditions prefix>/`). */
  readonly skipPrefix?: string;
  /** ORIGINALS_REDIRECT_SECONDS: 0 streams originals, >0 redirects to a presigned URL. */
  readonly redirectSeconds: number;
  /** An object changed or vanished behind rendition's back: purge its renditions. */
  readonly onChanged: (path: string) => Promise<void>;
  /** A background rescan failed (the next one retries). */
  readonly onError: (error: unknown, message: string) => void;
}

/**
 * Opens the bucket: checks it answers with these credentials (one clear line naming the
 * setting when not), then starts the rescans. Credentials come from the AWS SDK's default
 * chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles).
 */
export async function openS3Originals(options: S3OriginalsOptions): Promise<OriginalsStore> {
  const { location } = options;
  const client = s3ClientFor(location);
  try {
    await client.send(new HeadBucketCommand({ Bucket: location.bucket }), {
      abortSignal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    client.destroy();
    throw new Error(startFailure(location, error), { cause: error });
  }
  return createS3Originals(client, options, await loadKnownVersions(options.versionsFile));
}

function startFailure(location: S3Location, error: unknown): string {
  const where = `S3_BUCKET=${location.bucket} at ${location.endpoint === '' ? 'AWS' : `S3_ENDPOINT=${location.endpoint}`}`;
  const status = statusOf(error);
  if (status === 403 || status === 401) {
    return `${where} refused the credentials (HTTP ${status}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or another source of the AWS SDK's default credential chain) to keys of that bucket`;
  }
  if (status === 404) return `${where} does not exist: create the bucket, or set S3_BUCKET`;
  const name = (error as Error).name;
  if (name === 'CredentialsProviderError') {
    return `${where}: no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`;
  }
  return `${where} cannot be reached (${describe(error)}): check S3_ENDPOINT, S3_REGION and S3_FORCE_PATH_STYLE`;
}

function createS3Originals(
  client: S3Client,
  options: S3OriginalsOptions,
  known: KnownVersions,
): OriginalsStore {
  const { bucket, prefix } = options.location;
  const where = whereOf(options.location);
  const timeout = () => ({ abortSignal: AbortSignal.timeout(options.timeoutMs) });

  function unavailable(error: unknown): AppError {
    return new AppError(
      'ORIGINALS_UNAVAILABLE',
      `Expected the originals bucket ${quoteInput(bucket)} at ${where} (S3_ENDPOINT) to answer but ${describe(error)}`,
      { cause: error },
    );
  }

  /** Not found -> ORIGINAL_NOT_FOUND; our own refusals pass; anything else -> 503. */
  function translate(error: unknown, path: string): AppError {
    if (error instanceof AppError) return error;
    if (statusOf(error) === 404) return originalNotFound(path);
    return unavailable(error);
  }

  async function head(path: string) {
    try {
      const found = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: keyOf(prefix, path) }),
        timeout(),
      );
      return {
        version: unquote(found.ETag),
        size: found.ContentLength ?? 0,
        mtimeMs: found.LastModified?.getTime() ?? 0,
      };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw translate(error, path);
    }
  }

  async function hasChildren(path: string): Promise<boolean> {
    try {
      const listed = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: `${keyOf(prefix, path)}/`,
          MaxKeys: 1,
        }),
        timeout(),
      );
      return (listed.KeyCount ?? 0) > 0;
    } catch (error) {
      throw translate(error, path);
    }
  }

  async function kindOf(path: string): Promise<OriginalKind | undefined> {
    if ((await head(path)) !== undefined) return 'file';
    return (await hasChildren(path)) ? 'directory' : undefined;
  }

  /** Reads `path` (into memory, or `file`) within the byte cap and timeout; 304 -> unchanged. */
  async function fetchObject(
    path: string,
    file: string,
    held: string | undefined,
    memory: FetchMemory,
  ): Promise<Fetched> {
    const read = () =>
      rangedGet({
        client,
        bucket,
        key: keyOf(prefix, path),
        file,
        held,
        memoryBytes: Math.min(MEMORY_BYTES, memory.bytes),
        allocate: memory.allocate,
        maxBytes: options.maxBytes,
        signal: AbortSignal.timeout(options.timeoutMs),
        tooLarge: (bytes) => tooLarge(path, bytes),
      });
    try {
      try {
        return await read();
      } catch (error) {
        // Replaced between two of its ranges: once more, all of the new one.
        if (!(error instanceof ChangedWhileRead)) throw error;
        return await read();
      }
    } catch (error) {
      throw translate(error, path);
    }
  }

  function tooLarge(path: string, bytes: number): AppError {
    return new AppError(
      'SOURCE_TOO_LARGE',
      `Expected an original of at most ${options.maxBytes} bytes (MAX_SOURCE_BYTES) but ${quoteInput(path)} has ${bytes}`,
    );
  }

  const copies = createOriginalCopies({
    dir: join(options.workDir, 'copies'),
    maxBytes: options.cacheBytes,
    memoryBytes: ORIGINALS_IN_MEMORY_BYTES,
    freshMs: options.rescanMs,
    fetch: fetchObject,
    onChanged: (path, _from, to) => {
      known.set(path, to);
      return options.onChanged(path);
    },
  });

  async function lease(path: string) {
    // Dotfiles are never originals, whatever the bucket holds.
    if (isHiddenPath(path)) throw originalNotFound(path);
    keyOf(prefix, path);
    const copy = await copies.lease(path);
    known.set(path, copy.version);
    return copy;
  }

  async function put(temp: string, path: string, create: boolean): Promise<void> {
    const { size } = await stat(temp);
    const params = {
      Bucket: bucket,
      Key: keyOf(prefix, path),
      ContentType: mediaTypeFor(path),
      ...(create ? { IfNoneMatch: '*' } : {}),
    };
    try {
      if (size < MULTIPART_BYTES) {
        await client.send(new PutObjectCommand({ ...params, Body: await readFile(temp) }));
        return;
      }
      // Parts stay invisible until the complete call, which carries If-None-Match too.
      const handle = await open(temp);
      try {
        const upload = new Upload({
          client,
          params: { ...params, Body: handle.createReadStream() },
          partSize: PART_BYTES,
          queueSize: 2,
          leavePartsOnError: false,
        });
        await upload.done();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (create && statusOf(error) === 412) throw conflict(path, 'exists');
      throw translate(error, path);
    }
  }

  async function copyObject(from: string, to: string): Promise<void> {
    const source = `${bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source }),
      timeout(),
    );
  }

  async function deleteKey(key: string): Promise<void> {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), timeout());
  }

  /**
   * Every original's ETag under the prefix, by media path. The shared renditions' range of
   * keys (`skipPrefix`) is jumped over with StartAfter rather than paged through.
   */
  async function listVersions(): Promise<Map<string, string>> {
    const listed = new Map<string, string>();
    const skip = options.skipPrefix;
    let token: string | undefined;
    let startAfter: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix === '' ? {} : { Prefix: `${prefix}/` }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
          ...(token === undefined && startAfter !== undefined ? { StartAfter: startAfter } : {}),
        }),
        timeout(),
      );
      let jumped = false;
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        if (skip !== undefined && startAfter === undefined && object.Key.startsWith(skip)) {
          // Past every key of the range: no media path holds U+10FFFF.
          startAfter = `${skip}\u{10FFFF}`;
          jumped = true;
          break;
        }
        const path = pathOfKey(prefix, object.Key);
        if (path !== undefined) listed.set(path, unquote(object.ETag));
      }
      if (jumped) token = undefined;
      else if (page.IsTruncated === true && page.NextContinuationToken !== undefined)
        token = page.NextContinuationToken;
      else return listed;
    }
  }

  /** One rescan: every known path's ETag against the bucket listing. */
  async function rescan(): Promise<void> {
    if (known.size === 0) return;
    const listed = await listVersions();
    for (const [path, version] of known.entries()) {
      const now = listed.get(path);
      // Multipart ETags may list empty on some gateways: only a real difference counts.
      if (now === version || (now === '' && version !== '')) continue;
      if (now === undefined) known.delete(path);
      else known.set(path, now);
      copies.drop(path);
      await options.onChanged(path);
    }
    await known.save();
  }

  let scanning: Promise<void> | undefined;
  const timer = setInterval(() => {
    scanning ??= rescan()
      .catch((error: unknown) => options.onError(error, 'originals: rescan of the bucket failed'))
      .finally(() => {
        scanning = undefined;
      });
  }, options.rescanMs);
  timer.unref();

  // Start-up cleaning (cleanTempFiles) of a process sharing CACHE_ROOT takes a temp entry
  // untouched for 10 minutes for a dead process's: keep this one's fresh while it runs.
  const keepFresh = setInterval(() => {
    const now = new Date();
    utimes(options.workDir, now, now).catch(() => {});
  }, 60_000);
  keepFresh.unref();

  let tempDir: Promise<string> | undefined;
  const health = createBucketHealth({ client, bucket, timeoutMs: options.timeoutMs, describe });

  return {
    async open(path) {
      const copy = await lease(path);
      return {
        input: copy.input,
        version: copy.version,
        size: copy.size,
        mtimeMs: copy.mtimeMs,
        async current() {
          // Unreachable now: not evidence of a delete, so the version stands.
          const found = await head(path).catch(() => ({ version: copy.version }));
          return found?.version;
        },
        release: () => copy.release(),
        hold: () => copy.hold(),
      };
    },

    async serve(path) {
      if (options.redirectSeconds > 0) {
        if (isHiddenPath(path) || (await head(path)) === undefined) throw originalNotFound(path);
        const location = await getSignedUrl(
          client,
          new GetObjectCommand({ Bucket: bucket, Key: keyOf(prefix, path) }),
          { expiresIn: options.redirectSeconds },
        );
        return { kind: 'redirect', location };
      }
      const copy = await lease(path);
      try {
        const { input, size, mtimeMs } = copy;
        if (typeof input !== 'string') {
          // A copy: the response is sent after the release, and the bytes' buffer is used
          // again once released.
          const buffer = Buffer.from(input);
          return { kind: 'body', body: { kind: 'buffer', buffer }, size, mtimeMs };
        }
        // Open before release: an evicted copy stays readable through its open handle.
        const handle = await open(input, 'r');
        return { kind: 'body', body: { kind: 'handle', handle }, size, mtimeMs };
      } finally {
        copy.release();
      }
    },

    async version(path, fresh = false) {
      if (isHiddenPath(path)) return undefined;
      const held = fresh ? undefined : known.get(path);
      // Not remembered from a HEAD: `known` is what the rescan compares the bucket against.
      return held ?? (await head(path))?.version;
    },

    watch(path, version) {
      // A version already known is what this node's older renditions were made from: kept,
      // so the rescan still finds the change.
      if (known.get(path) === undefined) known.set(path, version);
    },

    async isOriginal(path) {
      if (isHiddenPath(path)) return false;
      try {
        return (await head(path)) !== undefined;
      } catch {
        return false;
      }
    },

    async exists(path) {
      return (await kindOf(path)) !== undefined;
    },

    kindOf,

    async tempFile() {
      tempDir ??= mkdir(join(options.workDir, 'incoming'), { recursive: true }).then(() =>
        join(options.workDir, 'incoming'),
      );
      return join(await tempDir, `${randomBytes(8).toString('hex')}.tmp`);
    },

    async place(temp, path, replace) {
      try {
        const kind = await kindOf(path);
        if (kind === 'directory') throw conflict(path, replace ? 'is a directory' : 'exists');
        if (kind !== undefined && !replace) throw conflict(path, 'exists');
        await put(temp, path, !replace);
        const stored = await head(path);
        if (stored === undefined) throw unavailable(new Error('the object vanished after its PUT'));
        // The validated file is this version's copy: warming renders from it, no download.
        await copies.adopt(path, temp, stored);
        known.set(path, stored.version);
        return { replaced: kind !== undefined };
      } finally {
        await rm(temp, { force: true });
      }
    },

    async remove(path) {
      if ((await head(path)) === undefined) return false;
      try {
        await deleteKey(keyOf(prefix, path));
      } catch (error) {
        throw translate(error, path);
      }
      copies.drop(path);
      known.delete(path);
      return true;
    },

    async setAside(path): Promise<SetAside | undefined> {
      if ((await head(path)) === undefined) return undefined;
      const key = keyOf(prefix, path);
      // Under `:tmp` in the prefix: no media URL reaches it, and the rescan ignores it.
      const aside = asideKeyOf(prefix, `${process.pid}-${randomBytes(8).toString('hex')}`);
      try {
        await copyObject(key, aside);
        await deleteKey(key);
      } catch (error) {
        throw translate(error, path);
      }
      copies.drop(path);
      known.delete(path);
      return {
        async discard() {
          await deleteKey(aside).catch((error: unknown) => {
            throw translate(error, path);
          });
        },
        async restore() {
          try {
            await copyObject(aside, key);
            await deleteKey(aside);
          } catch (error) {
            throw translate(error, path);
          }
        },
      };
    },

    forget(path) {
      copies.drop(path);
      // Changed by another node (which purged): not a change for this node's rescan to find.
      known.delete(path);
    },

    health,

    async close() {
      clearInterval(timer);
      clearInterval(keepFresh);
      await scanning;
      client.destroy();
      await known
        .save()
        .catch((error: unknown) =>
          options.onError(error, 'originals: the known ETags could not be saved'),
        );
    },
  };
}

function conflict(path: string, what: string): AppError {
  return new AppError(
    'CONFLICT',
    `An original at ${quoteInput(path)} ${what}; ask for ?replace=true to replace it`,
  );
}
