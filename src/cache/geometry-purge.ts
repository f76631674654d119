// Keeps cached renditions consistent with the settings that decide their size and bars
// (UPSCALE, THUMBNAIL_ROUNDING, CROP_UPSCALE, PAD_BACKGROUND): none of them is part of a
// file's name (nginx serves the name from the URL alone), so a change purges the files it
// decides, and only those.

import type { Colour } from '../config/colour.js';
import type { RenderConfig } from '../config/load-config.js';
import type { Resize } from '../url/rendition-spec.js';
import { parseMediaTarget } from '../url/rendition-url.js';
import { purgeOnChange } from './purge-on-change.js';

/** What a cache file holds: a rendition with a size, a filters-only one, or something else. */
type CachedShape =
  | { readonly kind: 'sized'; readonly resize: Resize }
  | { readonly kind: 'filters' };

/** `<stem>.<fmt>` or `<stem>.fallback.<fmt>` (layout.ts). */
const CACHE_FILE = /^(.+?)(?:\.fallback)?\.[a-z]+$/;

/** The rendition a cache file (relative to CACHE_ROOT) holds, from its name; undefined if none. */
export function shapeOfCacheFile(relative: string): CachedShape | undefined {
  const stem = CACHE_FILE.exec(relative)?.[1];
  if (stem === undefined) return undefined;
  try {
    const target = parseMediaTarget(stem);
    if (target.kind !== 'rendition') return undefined;
    const { resize } = target.spec;
    return resize === undefined ? { kind: 'filters' } : { kind: 'sized', resize };
  } catch {
    return undefined;
  }
}

/** A crop or pad with a free side is a thumbnail bounded by the other side (plan.ts). */
function sizerOf(resize: Resize): Resize['sizer'] {
  return resize.width === 0 || resize.height === 0 ? 'thumbnail' : resize.sizer;
}

/** Which cache files each setting decides (plan.ts: planRender, planGeometry). */
export const DECIDED_BY = {
  /** Every sized rendition (a filters-only one is never enlarged). */
  upscale: (shape: CachedShape) => shape.kind === 'sized',
  /** Every fit-inside size: thumbnails, the picture in a pad, filters-only shrinks. */
  thumbnailRounding: (shape: CachedShape) =>
    shape.kind === 'filters' || sizerOf(shape.resize) !== 'crop',
  cropUpscale: (shape: CachedShape) => shape.kind === 'sized' && sizerOf(shape.resize) === 'crop',
  padBackground: (shape: CachedShape) => shape.kind === 'sized' && sizerOf(shape.resize) === 'pad',
} as const;

type GeometrySetting = keyof typeof DECIDED_BY;

/** Files in DATA_DIR recording the value the cached renditions were made with. */
export const GEOMETRY_RECORD_FILES: Readonly<Record<GeometrySetting, string>> = {
  upscale: 'upscale',
  thumbnailRounding: 'thumbnail-rounding',
  cropUpscale: 'crop-upscale',
  padBackground: 'pad-background',
};

/** PAD_BACKGROUND as recorded: `auto` when unset (transparent with alpha, white in JPEG). */
function padBackgroundValue(colour: Colour | undefined): string {
  return colour === undefined ? 'auto' : `${colour.r},${colour.g},${colour.b},${colour.alpha}`;
}

type GeometryConfig = Pick<
  RenderConfig,
  'upscale' | 'thumbnailRounding' | 'cropUpscale' | 'padBackground'
>;

/** The recorded form of each setting; an unrecorded past is taken to be the default. */
export function geometryValues(
  config: GeometryConfig,
): Record<GeometrySetting, { value: string; unrecorded: string }> {
  return {
    upscale: { value: String(config.upscale), unrecorded: 'false' },
    thumbnailRounding: { value: config.thumbnailRounding, unrecorded: 'nearest' },
    cropUpscale: { value: String(config.cropUpscale), unrecorded: 'false' },
    padBackground: { value: padBackgroundValue(config.padBackground), unrecorded: 'auto' },
  };
}

/**
 * For each setting that differs from the one recorded in DATA_DIR, removes the cached
 * renditions it decides (purge-on-change.ts), then records it. Run at start, before
 * serving. Returns the number of files removed.
 */
export async function purgeGeometryOnChange(options: {
  readonly cacheRoot: string;
  readonly dataDir: string;
  readonly config: GeometryConfig;
}): Promise<number> {
  let removed = 0;
  const values = geometryValues(options.config);
  for (const setting of Object.keys(DECIDED_BY) as GeometrySetting[]) {
    const decides = DECIDED_BY[setting];
    removed += await purgeOnChange({
      cacheRoot: options.cacheRoot,
      dataDir: options.dataDir,
      recordName: GEOMETRY_RECORD_FILES[setting],
      ...values[setting],
      affects: (relative) => {
        const shape = shapeOfCacheFile(relative);
        return shape !== undefined && decides(shape);
      },
    });
  }
  return removed;
}
