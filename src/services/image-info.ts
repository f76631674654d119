// What `GET /media/<path>/info` answers: size, format, bytes, PPOI and placeholders of an
// original, from its record, or probed from its header for an unregistered one.

import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';
import type { OriginalsStore } from '../originals/originals-store.js';
import { explicitPpoiOf, type ImageRecord, type Registry } from '../registry/registry.js';
import type { Placeholders } from '../render/placeholder.js';
import type { SourceInfo } from '../render/plan.js';
import { type ProbeLimits, probeOriginal } from '../render/probe.js';
import type { RenderQueue } from '../render/queue.js';
import { originalNotFound } from '../url/original-path.js';
import type { Ppoi } from '../url/rendition-spec.js';

/** The info of one original (docs/urls.md#info-endpoint). */
export interface ImageInfo {
  readonly path: string;
  /** False for an original another app put in the store (MEDIA_ROOT or the bucket). */
  readonly registered: boolean;
  /** Upright size, EXIF orientation applied, in pixels. */
  readonly width: number;
  readonly height: number;
  /** sharp's name of the real format: jpeg, png, webp, gif, avif. */
  readonly format: string;
  readonly bytes: number;
  /** The PPOI crops are anchored on; null when none was set (crops follow CROP_STRATEGY). */
  readonly ppoi: Ppoi | null;
  /** Null for an unregistered original: placeholders live on records only. */
  readonly placeholders: Placeholders | null;
}

export interface ImageInfoOptions {
  readonly registry: Registry;
  readonly originals: OriginalsStore;
  readonly limits: ProbeLimits;
  /** Probes of unregistered originals wait for a slot here (the render queue). */
  readonly queue: RenderQueue;
  /** A registered record with its placeholders (computed now for records older than them). */
  readonly read: (path: string) => Promise<ImageRecord>;
  /** REQUIRE_REGISTRATION: unregistered originals have no info (404), as they do not render. */
  readonly requireRegistration: boolean;
}

/** Creates the lookup behind the info endpoint. `path` must be a checked media path. */
export function createImageInfo(options: ImageInfoOptions): (path: string) => Promise<ImageInfo> {
  const probes = new LRUCache<string, Promise<SourceInfo>>({ max: 1000 });
  return async function infoOf(path) {
    if (options.registry.get(path) !== undefined) {
      const record = await options.read(path);
      return {
        path,
        registered: true,
        width: record.width,
        height: record.height,
        format: record.format,
        bytes: record.bytes,
        ppoi: explicitPpoiOf(record) ?? null,
        placeholders: record.placeholders ?? null,
      };
    }
    if (options.requireRegistration) throw originalNotFound(path);
    const opened = await options.originals.open(path);
    // The header only, in a render slot, once per version of the file: a header read can
    // still cost 0.7 s (a GIF of 1.5 M frames), and a public URL must not flood libuv's pool.
    const key = `${path}\0${opened.version}`;
    let probing = probes.get(key);
    if (probing === undefined) {
      probing = options.queue.run(() => probeOriginal(opened.input, options.limits));
      probes.set(key, probing);
      // Refusals are remembered too (a too-large file stays too large); OVERLOADED is not.
      probing.catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'OVERLOADED') probes.delete(key);
      });
    }
    const probed = await probing.finally(() => opened.release());
    return {
      path,
      registered: false,
      width: probed.width,
      height: probed.height,
      format: probed.format,
      bytes: opened.size,
      ppoi: null,
      placeholders: null,
    };
  };
}
