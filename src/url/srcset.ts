// Responsive URL sets: a key-set entry's `src`, `srcset` and `sizes`, ready for `<img>`.

import { type ParsedKeySetEntry, specOfEntry, variantSizesOf } from './key-sets.js';
import type { Resize } from './rendition-spec.js';
import { formatRenditionUrl } from './rendition-url.js';

/** What a template needs for one entry: `<img src srcset sizes width height>`. */
export interface ResponsiveUrl {
  readonly src: string;
  /** `"<url> 1x, <url> 2x"` or `"<url> 180w, <url> 360w"`. */
  readonly srcset: string;
  /** Only with width descriptors: the layout width the browser picks a candidate for. */
  readonly sizes?: string;
  /** Size of the `src` rendition in pixels, when the original's size is known. */
  readonly width?: number;
  readonly height?: number;
}

export interface SrcsetOptions {
  /** Appended to every URL, e.g. `?v=…` (never changes the cache file). */
  readonly query?: string;
  /**
   * The real output size of a rendition of this original (no-upscale aware). When given,
   * descriptors are exact: a candidate the original cannot fill is described by the size it
   * really has (`1.39x`, `250w`), and one no wider than a smaller candidate is left out.
   * Without it descriptors are nominal (`2x`, `360w`).
   */
  readonly outputSizeOf?: (resize: Resize) => { width: number; height: number };
}

/** `{src, srcset, sizes?, width?, height?}` for one entry of one original. */
export function srcsetFor(
  mediaUrl: string,
  path: string,
  entry: ParsedKeySetEntry,
  options: SrcsetOptions = {},
): ResponsiveUrl {
  const urlOf = (resize: Resize) =>
    `${formatRenditionUrl(mediaUrl, specOfEntry(path, entry, resize))}${options.query ?? ''}`;
  const byWidth = entry.variants?.kind === 'width';
  const outputSizeOf = options.outputSizeOf;
  const base = outputSizeOf?.(entry);
  const candidates: string[] = [];
  let widest = 0;
  for (const { resize, value } of variantSizesOf(entry)) {
    const output = outputSizeOf?.(resize);
    let descriptor = value;
    if (output !== undefined && base !== undefined) {
      // Limited by the original (no upscale): a duplicate of a smaller candidate, or a
      // smaller density than asked for, which the browser must know to lay it out right.
      if (output.width <= widest) continue;
      widest = output.width;
      if (byWidth) descriptor = output.width;
      else {
        const real = output.width / base.width;
        descriptor = Math.abs(real - value) < value / 100 ? value : Math.round(real * 100) / 100;
      }
    }
    candidates.push(`${urlOf(resize)} ${descriptor}${byWidth ? 'w' : 'x'}`);
  }
  return {
    src: urlOf(entry),
    srcset: candidates.join(', '),
    ...(entry.variants?.kind === 'width' ? { sizes: entry.variants.sizes } : {}),
    ...(base === undefined ? {} : { width: base.width, height: base.height }),
  };
}

/** `{name: ResponsiveUrl}` for one original and one key set. */
export function srcsetsFor(
  mediaUrl: string,
  path: string,
  keySet: Readonly<Record<string, ParsedKeySetEntry>>,
  options: SrcsetOptions = {},
): Record<string, ResponsiveUrl> {
  const out: Record<string, ResponsiveUrl> = {};
  for (const [name, entry] of Object.entries(keySet))
    out[name] = srcsetFor(mediaUrl, path, entry, options);
  return out;
}
