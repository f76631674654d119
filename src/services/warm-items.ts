// What warming a key set means: every rendition of it, in every format a client may get.

import type { RenderItem } from '../render/renderer.js';
import { type ParsedKeySetEntry, specOfEntry, variantSizesOf } from '../url/key-sets.js';
import type { OutputFormat } from '../url/rendition-spec.js';

/**
 * One item per negotiable variant (each preferred format, then the fallback) of each size,
 * responsive variants (`2x`, `360w`) included; an entry with an explicit format
 * (`crop__400x400.webp`) has that one only.
 */
export function warmItemsFor(
  path: string,
  keySet: Readonly<Record<string, ParsedKeySetEntry>>,
  preferred: readonly OutputFormat[],
): { name: string; item: RenderItem }[] {
  const items: { name: string; item: RenderItem }[] = [];
  for (const [name, entry] of Object.entries(keySet)) {
    for (const { resize } of variantSizesOf(entry)) {
      const spec = specOfEntry(path, entry, resize);
      if (spec.format !== undefined) {
        items.push({ name, item: { spec, choice: { kind: 'explicit', format: spec.format } } });
        continue;
      }
      for (const format of preferred)
        items.push({ name, item: { spec, choice: { kind: 'preferred', format } } });
      items.push({ name, item: { spec, choice: { kind: 'original' } } });
    }
  }
  return items;
}
