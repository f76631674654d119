// A miss with RENDITION_STORE=s3 (docs/multi-node.md#shared-renditions): answered from the
// object another node rendered when its version is the original's current one; else
// rendered by the one node holding the rendition's lock, whose object the others wait for.
// Stale objects (another version) are deleted, never served.

import { createSingleFlight } from '../cache/single-flight.js';
import type { CachedRendition, Candidate, RenditionCache } from '../cache/rendition-cache.js';
import type { SharedRenditionStore } from '../originals/s3-renditions.js';
import type { AdvisoryLocks } from '../registry/postgres/advisory-locks.js';
import { mediaTypeFor } from '../url/media-types.js';
import { originalNotFound } from '../url/original-path.js';
import type { RenditionSpec } from '../url/rendition-spec.js';

/** First and longest pause between looks for the winner's object (ms). */
const FIRST_WAIT_MS = 20;
const LONGEST_WAIT_MS = 250;

export interface SharedRenditionsOptions {
  readonly store: SharedRenditionStore;
  readonly locks: Pick<AdvisoryLocks, 'tryLock'>;
  readonly cache: Pick<RenditionCache, 'adopt'>;
  /**
   * The original's version (its ETag); undefined when there is none. `fresh`: asked of the
   * store now, else the version this node last read may answer.
   */
  readonly originalVersion: (path: string, fresh: boolean) => Promise<string | undefined>;
  /** This node holds renditions of `path` made from the original's version `original`. */
  readonly watch: (path: string, original: string) => void;
  /** The version the cache file `relative` of `path` carries when made from `original` (shared-version.ts). */
  readonly versionOf: (path: string, relative: string, original: string) => string;
  /** How long a node waits for another node's render before rendering itself (RENDER_TIMEOUT_MS). */
  readonly waitMs: number;
  /** The bytes of a local cache file (relative to CACHE_ROOT); undefined when it is gone. */
  readonly readCached: (relative: string) => Promise<Buffer | undefined>;
  /** A shared object could not be stored or deleted (the answer is still good). */
  readonly onError: (error: unknown, message: string) => void;
}

/** A rendition this node rendered, and the version of the original's bytes it was made from. */
export interface RenderedHere {
  readonly rendition: CachedRendition;
  readonly originalVersion: string;
}

export interface SharedRenditions {
  /**
   * The answer to a miss: the shared object copied into the local cache, or `render`'s
   * rendition, stored as the shared object. `render` runs on one node at a time per rendition.
   */
  serve(
    spec: RenditionSpec,
    candidates: readonly Candidate[],
    render: () => Promise<RenderedHere>,
  ): Promise<CachedRendition>;
  /**
   * Stores the local cache files `relatives` of `path` (just warmed) as shared objects, so
   * other nodes' misses find them; failures are logged.
   */
  share(path: string, relatives: readonly string[]): Promise<void>;
  /** Deletes the shared objects of `path` (all, or only its crops); failures are logged. */
  purge(path: string, which: 'all' | 'crop'): Promise<void>;
}

export function createSharedRenditions(options: SharedRenditionsOptions): SharedRenditions {
  const { store, locks, cache } = options;
  const flights = createSingleFlight<CachedRendition>();

  /**
   * The first candidate's object made from the original's current version, copied into the
   * local cache. An object of another version is checked against the store's version now
   * (this node's may be the old one); if it is still another, it is stale and deleted.
   */
  function copyIn(
    spec: RenditionSpec,
    candidates: readonly Candidate[],
    original: string,
  ): Promise<CachedRendition | undefined> {
    return cache.adopt(spec, async () => {
      for (const { relative } of candidates) {
        const found = await store.get(relative);
        if (found === undefined) continue;
        const from = await madeFrom(spec.path, relative, found.version, original);
        if (from !== undefined) {
          options.watch(spec.path, from);
          return { relative, body: found.body };
        }
        // Rendered from another original, PPOI or settings: never served, made again.
        await store.remove(relative);
      }
      return undefined;
    });
  }

  /**
   * The original's version an object labelled `label` was made from: this node's `held`
   * one, or else the store's now; undefined when it is neither (the object is stale).
   */
  async function madeFrom(
    path: string,
    relative: string,
    label: string,
    held: string,
  ): Promise<string | undefined> {
    if (label === options.versionOf(path, relative, held)) return held;
    const now = await options.originalVersion(path, true);
    if (now === undefined) throw originalNotFound(path);
    return label === options.versionOf(path, relative, now) ? now : undefined;
  }

  async function renderAndShare(
    path: string,
    render: () => Promise<RenderedHere>,
  ): Promise<CachedRendition> {
    const { rendition, originalVersion } = await render();
    const { relative, body } = rendition;
    // Only a render of its own that reached the local cache: one purged meanwhile is old.
    if (rendition.outcome === 'miss' && !rendition.noStore && relative !== undefined) {
      if (body.kind === 'buffer') {
        // Labelled with the bytes it was made from: a node whose copy was old never passes
        // its pixels off as the new version.
        const version = options.versionOf(path, relative, originalVersion);
        await store
          .create(relative, body.buffer, version, rendition.contentType)
          .catch((error: unknown) =>
            options.onError(error, 'shared rendition not stored (served from this node)'),
          );
      }
    }
    return rendition;
  }

  /** `key`: the rendition's first cache file, its single-flight and lock name. */
  async function serveMiss(
    key: string,
    spec: RenditionSpec,
    candidates: readonly Candidate[],
    render: () => Promise<RenderedHere>,
  ): Promise<CachedRendition> {
    const original = await options.originalVersion(spec.path, false);
    if (original === undefined) throw originalNotFound(spec.path);
    const copied = await copyIn(spec, candidates, original);
    if (copied !== undefined) return copied;

    const name = `rendition:shared:${key}`;
    const deadline = Date.now() + options.waitMs;
    let pause = FIRST_WAIT_MS;
    for (;;) {
      const lock = await locks.tryLock(name);
      if (lock !== undefined) {
        try {
          // The winner may have stored its object between the look above and this lock.
          return (
            (await copyIn(spec, candidates, original)) ?? (await renderAndShare(spec.path, render))
          );
        } finally {
          await lock.release();
        }
      }
      // Another node renders it: its object answers this miss as soon as it lands.
      if (Date.now() >= deadline) return renderAndShare(spec.path, render);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, LONGEST_WAIT_MS);
      const landed = await copyIn(spec, candidates, original);
      if (landed !== undefined) return landed;
    }
  }

  return {
    async serve(spec, candidates, render) {
      const key = candidates[0]?.relative ?? spec.path;
      const { value, shared } = await flights.run(key, () =>
        serveMiss(key, spec, candidates, render),
      );
      return shared && value.outcome === 'miss' ? { ...value, outcome: 'coalesced' } : value;
    },
    async share(path, relatives) {
      if (relatives.length === 0) return;
      // The version of the copy the warm just read (this node's last read of it).
      const original = await options.originalVersion(path, false).catch((error: unknown) => {
        options.onError(error, 'warmed renditions not shared (other nodes render them on a miss)');
        return undefined;
      });
      // Its original deleted since: nothing to share.
      if (original === undefined) return;
      for (const relative of relatives) {
        try {
          const body = await options.readCached(relative);
          // Purged since it was warmed: nothing to share.
          if (body === undefined) continue;
          const version = options.versionOf(path, relative, original);
          await store.create(relative, body, version, mediaTypeFor(relative));
        } catch (error) {
          options.onError(error, 'warmed rendition not shared (other nodes render it on a miss)');
        }
      }
    },
    async purge(path, which) {
      flights.forget((key) => key.startsWith(`${path}/`));
      await store
        .purge(path, which)
        .catch((error: unknown) =>
          options.onError(
            error,
            `shared renditions of ${path} not deleted (never served: their version is old)`,
          ),
        );
    },
  };
}

/** `cache`, whose warms also store what they rendered as shared objects. */
export function withSharedWarms(cache: RenditionCache, shared: SharedRenditions): RenditionCache {
  return {
    ...cache,
    async warm(original, path, items, hold) {
      const report = await cache.warm(original, path, items, hold);
      await shared.share(path, report.created);
      return report;
    },
  };
}
