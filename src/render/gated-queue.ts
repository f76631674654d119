// A stricter bound inside the render queue for one kind of work: whole-original decodes.

import type { RenderQueue } from './queue.js';

/**
 * A queue whose tasks first pass `gate` (a smaller bound of its own), then take a slot of
 * `queue`. Used for the full decodes of whole originals (upload validation, placeholder
 * backfill): an AVIF or HEIF decode holds the whole image in memory (~300 MiB for 16.7 MP,
 * measured by bench/upload-rss.ts), so two at once already passed 600 MiB. A task waiting
 * at the gate holds no render slot: renders are never held up by queued uploads. Either
 * queue being full refuses at once (`OVERLOADED`).
 */
export function gatedQueue(gate: RenderQueue, queue: RenderQueue): RenderQueue {
  return {
    run: (task) => gate.run(() => queue.run(task)),
    get active() {
      return gate.active;
    },
    get waiting() {
      return gate.waiting;
    },
    idle: () => gate.idle(),
  };
}
