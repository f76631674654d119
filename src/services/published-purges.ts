// A rendition store whose purges also reach the other nodes: this node purges its own
// copies, then the change log tells every other node to purge theirs.

import type { NodeSync } from '../registry/registry.js';
import type { RenditionStore } from './rendition-store.js';

export function withPublishedPurges(store: RenditionStore, sync: NodeSync): RenditionStore {
  return {
    ...store,
    async purge(path, which) {
      await store.purge(path, which);
      await sync.publishPurge(path, which);
    },
  };
}
