// A rendition cache whose purges also reach the other nodes: this node purges its own
// copies, then the change log tells every other node to purge theirs.

import type { RenditionCache } from '../cache/rendition-cache.js';
import type { NodeSync } from '../registry/registry.js';

export function withPublishedPurges(cache: RenditionCache, sync: NodeSync): RenditionCache {
  return {
    ...cache,
    async purge(path, which) {
      await cache.purge(path, which);
      await sync.publishPurge(path, which);
    },
  };
}
