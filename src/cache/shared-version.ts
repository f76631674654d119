// The version a shared rendition (RENDITION_STORE=s3) is made from: the original's bytes (its
// ETag), its PPOI and the settings that shape pixels. Every node computes the same string
// for the same inputs, so a node serves another's object only when it would render the same.

import { createHash } from 'node:crypto';
import type { EncoderConfig, RenderConfig } from '../config/load-config.js';
import type { Ppoi } from '../url/rendition-spec.js';

/** The settings that change a rendition's pixels without changing its name. */
export type PixelSettings = Pick<
  RenderConfig,
  'upscale' | 'cropUpscale' | 'thumbnailRounding' | 'maxOutput' | 'cropStrategy' | 'padBackground'
> & { readonly encoder: EncoderConfig; readonly watermark: string };

/** A short stamp of `settings`: nodes configured differently never share an object. */
export function pixelStamp(settings: PixelSettings): string {
  const { upscale, cropUpscale, thumbnailRounding, maxOutput, cropStrategy } = settings;
  const shaped = [upscale, cropUpscale, thumbnailRounding, maxOutput, cropStrategy];
  const text = JSON.stringify([
    ...shaped,
    settings.padBackground ?? null,
    settings.encoder,
    settings.watermark,
  ]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The version of a rendition of the original at `originalVersion` (an ETag, or `mtime:size`
 * locally) under settings stamped `stamp`; `ppoi` is the PPOI set for a crop (undefined: none
 * set, or not a crop).
 */
export function sharedVersionOf(
  originalVersion: string,
  ppoi: Ppoi | undefined,
  stamp: string,
): string {
  const focus = ppoi === undefined ? '-' : `${ppoi.x},${ppoi.y}`;
  return createHash('sha256')
    .update(`${originalVersion}\n${focus}\n${stamp}`)
    .digest('hex')
    .slice(0, 32);
}
