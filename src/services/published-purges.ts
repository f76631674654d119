// A rendition cache whose purges reach past this node: this node purges its own copies, then
// the change log tells every other node to purge theirs, then the CDN is told (if one is
// configured) after a delay that lets the other nodes finish first. With RENDITION_STORE=s3 the
// shared objects are deleted too, by this node only, before the others are told.

import type { RenditionCache } from '../cache/rendition-cache.js';
import type { PurgeWebhook } from '../cdn/purge-webhook.js';
import type { NodeSync } from '../registry/registry.js';

export function withPublishedPurges(
  cache: RenditionCache,
  sync: NodeSync,
  cdn: PurgeWebhook | undefined,
  purgeShared?: (path: string, which: 'all' | 'crop') => Promise<void> | undefined,
): RenditionCache {
  return {
    ...cache,
    async purge(path, which) {
      await cache.purge(path, which);
      try {
        // The shared objects first: a publish that fails (PostgreSQL down during a rescan's
        // purge) must not leave them for the other nodes' next miss to copy.
        await purgeShared?.(path, which);
        await sync.publishPurge(path, which);
      } finally {
        // A CDN purges by original: a PPOI change ('crop') drops its thumbnails there too.
        cdn?.purged(path);
      }
    },
  };
}
