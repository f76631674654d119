// What warming a key set means: every rendition of it, in every format a client may get.

import type { RenderItem } from '../render/renderer.js';
import type { OutputFormat, Resize } from '../spec/rendition-spec.js';

/** One item per negotiable variant (each preferred format, then the fallback) of each size. */
export function warmItemsFor(
  path: string,
  keySet: Readonly<Record<string, Resize>>,
  preferred: readonly OutputFormat[],
): { name: string; item: RenderItem }[] {
  const items: { name: string; item: RenderItem }[] = [];
  for (const [name, resize] of Object.entries(keySet)) {
    const spec = { path, filters: [], resize };
    for (const format of preferred)
      items.push({ name, item: { spec, choice: { kind: 'preferred', format } } });
    items.push({ name, item: { spec, choice: { kind: 'fallback' } } });
  }
  return items;
}
