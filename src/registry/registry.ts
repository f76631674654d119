// The registry contract: one record per registered original, looked up in O(1).

import type { Placeholders } from '../render/placeholder.js';
import { CENTRE, type Ppoi } from '../url/rendition-spec.js';

/** Where an original came from. */
export type ImageSource =
  | { readonly kind: 'upload'; readonly fileName?: string }
  | { readonly kind: 'url'; readonly url: string };

/** One registered original. */
export interface ImageRecord {
  readonly path: string;
  /** Upright size, EXIF orientation applied, in pixels. */
  readonly width: number;
  readonly height: number;
  /** The format its bytes really are (sharp's name: jpeg, png, webp, gif, avif). */
  readonly format: string;
  readonly bytes: number;
  /** Hex SHA-256 of the original's bytes. */
  readonly sha256: string;
  readonly ppoi: Ppoi;
  /**
   * True once a PPOI was set (PATCH). Absent: `ppoi` is the default centre and crops follow
   * CROP_STRATEGY. Records written before this field existed count as set when their PPOI
   * is not the centre.
   */
  readonly ppoiSet?: boolean;
  readonly source: ImageSource;
  /** ISO 8601. */
  readonly createdAt: string;
  /**
   * Dominant colour, LQIP and ThumbHash, made at registration. Absent on records written by
   * versions before placeholders: filled in on the first read of the record.
   */
  readonly placeholders?: Placeholders;
}

export interface ListOptions {
  /** Return paths after this one (the `next` of the previous page). */
  readonly cursor?: string | undefined;
  /** At most this many items. */
  readonly limit: number;
  /** Only paths starting with this. */
  readonly prefix?: string | undefined;
}

export interface ListPage {
  readonly items: readonly ImageRecord[];
  /** Cursor of the next page, or null on the last one. */
  readonly next: string | null;
}

export interface Registry {
  get(path: string): ImageRecord | undefined;
  /** Pages in path order. */
  list(options: ListOptions): ListPage;
  /** Every path, in order (a snapshot: safe to iterate while the registry changes). */
  paths(): readonly string[];
  /** Adds or replaces a record; resolves once it is durable on disk. */
  put(record: ImageRecord): Promise<void>;
  /** Removes a record; resolves once durable. False if there was none. */
  delete(path: string): Promise<boolean>;
  readonly size: number;
  /** Flushes, releases the data directory. */
  close(): Promise<void>;
}

/** The PPOI a crop must be anchored on, or undefined when none was set (or no record). */
export function explicitPpoiOf(record: ImageRecord | undefined): Ppoi | undefined {
  if (record === undefined) return undefined;
  const moved = record.ppoi.x !== CENTRE.x || record.ppoi.y !== CENTRE.y;
  return record.ppoiSet === true || moved ? record.ppoi : undefined;
}

/** Which renditions of an original a purge removes: every one, or only its crops (a PPOI change). */
export type PurgeScope = 'all' | 'crop';

/** What a node does to its local copies when the log says another node changed an original. */
export interface LocalCopies {
  /** Removes this node's cached renditions of `path` (files and memory). */
  purge(path: string, scope: PurgeScope): Promise<void>;
  /** Removes every cached rendition: the log can no longer tell which are stale. */
  purgeEverything(): Promise<void>;
}

/**
 * How one node keeps its local copies in step with the others (REGISTRY=postgres); on one
 * node (lowdb) every call is a no-op.
 */
export interface NodeSync {
  /**
   * Applies the changes other nodes made since this node last applied one, then follows the
   * log. Resolves once caught up: call it before serving.
   */
  follow(copies: LocalCopies): Promise<void>;
  /** Tells every other node to purge its copies of `path` (this node has purged its own). */
  publishPurge(path: string, scope: PurgeScope): Promise<void>;
  /** Throws REGISTRY_UNAVAILABLE (503) unless this node is in step with the log now. */
  checkInStep(): void;
  /** 'ok', or why the node is not in step (for /healthz). */
  state(): string;
}

/** The NodeSync of a registry no other node shares. */
export const SINGLE_NODE: NodeSync = {
  async follow() {},
  async publishPurge() {},
  checkInStep() {},
  state: () => 'ok',
};
