// Lazy placeholders for records registered before placeholders existed: computed on the first
// read of the record, stored on it, and never again.

import { createSingleFlight } from '../cache/single-flight.js';
import type { RenderConfig } from '../config/load-config.js';
import type { OriginalsStore } from '../originals/originals-store.js';
import type { ImageRecord, Registry } from '../registry/registry.js';
import { computePlaceholders } from '../render/placeholder.js';
import type { RenderQueue } from '../render/queue.js';
import type { PathLocks } from './path-locks.js';

export interface PlaceholderBackfillOptions {
  readonly registry: Registry;
  readonly originals: OriginalsStore;
  readonly render: RenderConfig;
  /** Decodes take a render slot, so a burst of reads of old records cannot swamp sharp. */
  readonly queue: RenderQueue;
  /** The image service's per-path locks: the write never races a replace, PPOI change or delete. */
  readonly locks: PathLocks;
}

/**
 * Returns `record` with placeholders, computing and storing them first if it has none. One
 * computation per path at a time. Best effort: when they cannot be made now (the queue is
 * full, the original unreadable) the record is returned as it is and the next read retries.
 */
export function createPlaceholderBackfill(
  options: PlaceholderBackfillOptions,
): (record: ImageRecord) => Promise<ImageRecord> {
  const { registry, locks } = options;
  const flights = createSingleFlight<ImageRecord>();

  async function backfill(record: ImageRecord): Promise<ImageRecord> {
    const original = await options.originals.open(record.path).catch(() => undefined);
    if (original === undefined) return record;
    const placeholders = await options.queue
      .run(() => computePlaceholders(original.input, options.render))
      .finally(() => original.release());
    return locks.with(record.path, async () => {
      const current = registry.get(record.path);
      // Replaced, deleted or filled meanwhile: these placeholders may be of another picture.
      if (current === undefined || current.sha256 !== record.sha256) return current ?? record;
      if (current.placeholders !== undefined) return current;
      const updated = { ...current, placeholders };
      await registry.put(updated);
      return updated;
    });
  }

  return function withPlaceholders(record) {
    if (record.placeholders !== undefined) return Promise.resolve(record);
    return flights
      .run(record.path, () => backfill(record).catch(() => record))
      .then(({ value }) => value);
  };
}
