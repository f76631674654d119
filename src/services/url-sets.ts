// The URL sets of a registered image, as the admin API answers them: plain URLs and srcsets,
// every URL carrying the version token that changes when the original or its PPOI does.

import type { ImageRecord } from '../registry/registry.js';
import { type GeometryOptions, outputSizeFor } from '../render/plan.js';
import { type KeySets, urlSetFor } from '../url/key-sets.js';
import type { Resize } from '../url/rendition-spec.js';
import { type ResponsiveUrl, srcsetsFor } from '../url/srcset.js';
import { urlVersionFor, versionQuery } from '../url/url-version.js';

/** `urls` (`{keySet: {name: url}}`) and `srcsets` (`{keySet: {name: {src, srcset, …}}}`). */
export interface UrlSets {
  readonly urls: Record<string, Record<string, string>>;
  readonly srcsets: Record<string, Record<string, ResponsiveUrl>>;
}

export interface UrlSetsOptions {
  readonly mediaUrl: string;
  readonly keySets: KeySets;
  /** UPSCALE, CROP_UPSCALE, THUMBNAIL_ROUNDING: the sizes the renditions really have. */
  readonly geometry: GeometryOptions;
}

/** Every key set's URL set for one record, with exact srcset descriptors from its size. */
export function urlSetsOf(record: ImageRecord, options: UrlSetsOptions): UrlSets {
  const query = versionQuery(urlVersionFor(record.sha256, record.ppoi));
  const outputSizeOf = (resize: Resize) => outputSizeFor(record, resize, options.geometry);
  const urls: Record<string, Record<string, string>> = {};
  const srcsets: Record<string, Record<string, ResponsiveUrl>> = {};
  for (const [name, keySet] of Object.entries(options.keySets)) {
    urls[name] = urlSetFor(options.mediaUrl, record.path, keySet, query);
    srcsets[name] = srcsetsFor(options.mediaUrl, record.path, keySet, { query, outputSizeOf });
  }
  return { urls, srcsets };
}
