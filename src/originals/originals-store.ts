// The originals store contract: where originals live (MEDIA_ROOT, or an S3 bucket), behind
// one small interface. Services never build a MEDIA_ROOT path or an object key themselves.

import type { FileHandle } from 'node:fs/promises';
import type { Hold, ImageInput } from '../render/image-input.js';

/** A store's health answer is reused for this long (ms): /healthz cannot flood the bucket. */
export const HEALTH_CHECK_MS = 2_000;

/** What a media path names in the store (symlinks resolved, for the local store). */
export type OriginalKind = 'file' | 'directory' | 'other';

/** An original, readable by sharp until `release`. */
export interface OpenedOriginal {
  /**
   * Local: the file's real path. S3: the read-through copy's file, or the bytes a fetch just
   * brought while that file is still being written (or never will be: ORIGINALS_CACHE_BYTES).
   */
  readonly input: ImageInput;
  /** Changes whenever the bytes do: `mtimeMs:size` locally, the ETag in S3. */
  readonly version: string;
  /** Bytes. */
  readonly size: number;
  /** Modification time, ms since the epoch. */
  readonly mtimeMs: number;
  /** The original's version now; undefined when it is gone (a delete won a race). */
  current(): Promise<string | undefined>;
  /** Done reading `file`: a read-through copy may be evicted again. Idempotent. */
  release(): void;
  /**
   * Keeps `input` readable past `release` for work that outlives its caller (a render past
   * RENDER_TIMEOUT goes on): call what it returns once that work is done.
   */
  readonly hold: Hold;
}

/**
 * An original to send as `/media/<path>`: its bytes (the caller closes the handle), or a URL
 * to send the client to instead (a presigned GET of the object).
 */
export type ServedOriginal =
  | {
      readonly kind: 'body';
      readonly body:
        | { readonly kind: 'handle'; readonly handle: FileHandle }
        | { readonly kind: 'buffer'; readonly buffer: Buffer };
      readonly size: number;
      readonly mtimeMs: number;
    }
  | { readonly kind: 'redirect'; readonly location: string };

/** An original moved out of sight by {@link OriginalsStore.setAside}. */
export interface SetAside {
  discard(): Promise<void>;
  restore(): Promise<void>;
}

/**
 * Every method takes a checked media path (`checkMediaPath`); none reads or writes outside
 * the store's root (MEDIA_ROOT, or S3_PREFIX in the bucket).
 */
export interface OriginalsStore {
  /**
   * The original at `path`, readable as a local file; throws `ORIGINAL_NOT_FOUND` when there
   * is none (missing, a directory, a dotfile by name or through a symlink).
   */
  open(path: string): Promise<OpenedOriginal>;
  /** The original at `path` to send; `ORIGINAL_NOT_FOUND` as for `open`. */
  serve(path: string): Promise<ServedOriginal>;
  /**
   * The original's version without reading its bytes; undefined when there is none. With
   * `fresh` the store is asked now (a HEAD in S3); without, the version this node last read
   * may answer (no I/O), as stale as a local copy may be (ORIGINALS_RESCAN_SECONDS).
   */
  version(path: string, fresh?: boolean): Promise<string | undefined>;
  /**
   * This node now holds renditions made from `version` of `path` without having read it (a
   * shared rendition copied in): a change behind rendition's back must purge them too.
   */
  watch(path: string, version: string): void;
  /** True when `path` names an original `open` would find. */
  isOriginal(path: string): Promise<boolean>;
  /** True when anything at all sits at `path` (a new original may not take it). */
  exists(path: string): Promise<boolean>;
  /** What `path` names; undefined when nothing. */
  kindOf(path: string): Promise<OriginalKind | undefined>;
  /** A fresh local temp file for incoming bytes (validated there, then `place`d). */
  tempFile(): Promise<string>;
  /**
   * Stores the validated file `temp` at `path`, and removes `temp`. Without `replace`, an
   * existing original is a 409 `CONFLICT` and nothing changes (no clobber, atomic).
   */
  place(temp: string, path: string, replace: boolean): Promise<{ replaced: boolean }>;
  /** Deletes the original; false if there was none. */
  remove(path: string): Promise<boolean>;
  /**
   * Moves the original out of sight (no URL reaches it) until `discard` deletes it or
   * `restore` puts it back. Undefined when there is none.
   */
  setAside(path: string): Promise<SetAside | undefined>;
  /**
   * Another node deleted or replaced `path`: drop whatever local copy of it this node keeps,
   * so the next render reads the store again.
   */
  forget(path: string): void;
  /**
   * 'ok' while the store answers, else why not (for /healthz). Cheap and bounded: the S3
   * store asks the bucket at most once per {@link HEALTH_CHECK_MS}, whatever the call rate.
   */
  health(): Promise<string>;
  /** Stops background work (rescans, fetches); the store is not used afterwards. */
  close(): Promise<void>;
}
