// Opens the originals store ORIGINALS_STORE names: MEDIA_ROOT (local) or a bucket (s3).

import { join } from 'node:path';
import { TEMP_DIR_NAME } from '../cache/layout.js';
import type { OriginalsConfig } from '../config/load-config.js';
import { createLocalOriginals } from './local-originals.js';
import type { OriginalsStore } from './originals-store.js';
import { openS3Originals } from './s3-originals.js';

export interface OpenOriginalsOptions {
  /** Real MEDIA_ROOT. */
  readonly mediaRoot: string;
  /** Real CACHE_ROOT: s3 mode keeps its copies and upload temp files in its temp dir. */
  readonly cacheRoot: string;
  /** DATA_DIR: s3 mode keeps the ETags it last saw there (originals-etags.json). */
  readonly dataDir: string;
  /** MAX_SOURCE_BYTES: the largest object fetched. */
  readonly maxBytes: number;
  /** FETCH_TIMEOUT_MS: each S3 request, and a fetch of an original, within it. */
  readonly timeoutMs: number;
  /** Purges the renditions of an original changed or deleted behind rendition's back. */
  readonly onChanged: (path: string) => Promise<void>;
  readonly onError: (error: unknown, message: string) => void;
}

export function openConfiguredOriginals(
  config: OriginalsConfig,
  options: OpenOriginalsOptions,
): Promise<OriginalsStore> {
  if (config.store === 'local') return Promise.resolve(createLocalOriginals(options.mediaRoot));
  return openS3Originals({
    location: config.s3,
    // `<pid>-...` in CACHE_ROOT's temp dir: removed at shutdown, and at the next start
    // after a crash (cleanTempFiles); never walked or evicted as renditions.
    workDir: join(options.cacheRoot, TEMP_DIR_NAME, `${process.pid}-originals`),
    cacheBytes: config.cacheBytes,
    versionsFile: join(options.dataDir, 'originals-etags.json'),
    maxBytes: options.maxBytes,
    timeoutMs: options.timeoutMs,
    rescanMs: config.rescanSeconds * 1000,
    redirectSeconds: config.redirectSeconds,
    ...skipOf(config),
    onChanged: options.onChanged,
    onError: options.onError,
  });
}

/** The shared renditions' keys when they lie under S3_PREFIX (the default): rescans skip them. */
function skipOf(config: OriginalsConfig): { skipPrefix?: string } {
  const originals = config.s3.prefix;
  const renditions = config.renditions.prefix;
  const inside = originals === '' || renditions.startsWith(`${originals}/`);
  return inside ? { skipPrefix: `${renditions}/` } : {};
}
