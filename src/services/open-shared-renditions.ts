// Wires RENDITION_STORE=s3: the renditions' objects in S3_BUCKET, the render locks in
// PostgreSQL, and the version every node computes alike (docs/multi-node.md#shared-renditions).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isCropFile } from '../cache/layout.js';
import type { RenditionCache } from '../cache/rendition-cache.js';
import { pixelStamp, sharedVersionOf } from '../cache/shared-version.js';
import type { Config } from '../config/load-config.js';
import type { OriginalsStore } from '../originals/originals-store.js';
import { createS3Renditions } from '../originals/s3-renditions.js';
import { createAdvisoryLocks } from '../registry/postgres/advisory-locks.js';
import { explicitPpoiOf, type Registry } from '../registry/registry.js';
import { createSharedRenditions, type SharedRenditions } from './shared-renditions.js';

export interface OpenedSharedRenditions {
  readonly shared: SharedRenditions;
  close(): Promise<void>;
}

export interface SharedRenditionsParts {
  readonly registry: Registry;
  readonly originals: OriginalsStore;
  readonly cache: RenditionCache;
  /** Real CACHE_ROOT: warmed files are read from it to be shared. */
  readonly cacheRoot: string;
  /** The watermark's stamp (NO_WATERMARK without one): part of every version. */
  readonly watermarkStamp: string;
  readonly onError: (error: unknown, message: string) => void;
}

/** Undefined unless RENDITION_STORE=s3 (load-config checked it has a bucket and PostgreSQL). */
export function openSharedRenditions(
  config: Config,
  parts: SharedRenditionsParts,
): OpenedSharedRenditions | undefined {
  const { originals: settings, registry: registrySettings } = config;
  if (settings.renditions.store !== 's3' || registrySettings.kind !== 'postgres') return undefined;
  const store = createS3Renditions({
    location: settings.s3,
    prefix: settings.renditions.prefix,
    maxBytes: config.admin.maxSourceBytes,
    timeoutMs: config.admin.fetchTimeoutMs,
  });
  const locks = createAdvisoryLocks(registrySettings.databaseUrl, (error) =>
    parts.onError(error, 'shared renditions: the render lock is unavailable (rendering anyway)'),
  );
  const stamp = pixelStamp({
    ...config.render,
    encoder: config.encoder,
    watermark: parts.watermarkStamp,
  });
  const shared = createSharedRenditions({
    store,
    locks,
    cache: parts.cache,
    originalVersion: (path, fresh) => parts.originals.version(path, fresh),
    watch: (path, original) => parts.originals.watch(path, original),
    versionOf(path, relative, original) {
      // Only crops follow the PPOI (as local purges do): a PPOI change keeps the thumbnails.
      const ppoi = isCropFile(relative) ? explicitPpoiOf(parts.registry.get(path)) : undefined;
      return sharedVersionOf(original, ppoi, stamp);
    },
    readCached: (relative) => readFile(join(parts.cacheRoot, relative)).catch(() => undefined),
    waitMs: config.render.timeoutMs,
    onError: parts.onError,
  });
  return {
    shared,
    async close() {
      await locks.close();
      store.close();
    },
  };
}
