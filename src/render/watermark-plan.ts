// Where the watermark goes on a rendition and how large it is: pure geometry, no sharp.

import type { Gravity } from '../config/gravity.js';
import type { Rect } from './plan.js';

/** The watermark settings that decide its place (WATERMARK_GRAVITY, _MARGIN, _SCALE). */
export interface WatermarkPlacement {
  readonly gravity: Gravity;
  /** Output pixels between the mark and the edges it sits against. */
  readonly margin: number;
  /** The mark's width as a fraction of the output's width. */
  readonly scale: number;
}

/**
 * The rectangle the mark of natural size `mark` covers on an `output`-sized rendition (one
 * frame of an animation): `scale` x the output width wide, its aspect ratio kept, shrunk to
 * fit inside the margins, placed by `gravity` `margin` pixels from the edges it sits
 * against. Always at least 1x1 and inside the output.
 */
export function placeWatermark(
  output: { readonly width: number; readonly height: number },
  mark: { readonly width: number; readonly height: number },
  placement: WatermarkPlacement,
): Rect {
  const { width: W, height: H } = output;
  const { margin, gravity } = placement;
  let width = Math.max(1, Math.round(placement.scale * W));
  let height = Math.max(1, Math.round((width * mark.height) / mark.width));
  const room = { width: Math.max(1, W - 2 * margin), height: Math.max(1, H - 2 * margin) };
  const shrink = Math.min(1, room.width / width, room.height / height);
  if (shrink < 1) {
    width = Math.max(1, Math.floor(width * shrink));
    height = Math.max(1, Math.floor(height * shrink));
  }
  const along = (side: 'start' | 'middle' | 'end', full: number, size: number) => {
    const offset =
      side === 'start'
        ? margin
        : side === 'end'
          ? full - size - margin
          : Math.round((full - size) / 2);
    return Math.min(Math.max(offset, 0), Math.max(full - size, 0));
  };
  const horizontal = gravity.endsWith('west')
    ? 'start'
    : gravity.endsWith('east')
      ? 'end'
      : 'middle';
  const vertical = gravity.startsWith('north')
    ? 'start'
    : gravity.startsWith('south')
      ? 'end'
      : 'middle';
  return {
    left: along(horizontal, W, width),
    top: along(vertical, H, height),
    width: Math.min(width, W),
    height: Math.min(height, H),
  };
}
