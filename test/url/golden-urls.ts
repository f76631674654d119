// The golden table of rendition URLs: parse <-> format round trip and the cache files they map to.
// Shared by the spec, cache-layout and nginx tests so all three agree on one mapping.

import type { FormatChoice } from '../../src/url/negotiate.js';
import type { RenditionSpec } from '../../src/url/rendition-spec.js';

export interface GoldenUrl {
  /** The media part of the URL, decoded (after `MEDIA_URL/`). */
  readonly path: string;
  readonly spec: RenditionSpec;
  /** Cache file for a client accepting AVIF (negotiated) or the explicit format. */
  readonly avifClient: string;
  /** Cache files tried for a client accepting neither AVIF nor WebP. */
  readonly plainClient: readonly string[];
}

export const AVIF_CLIENT: FormatChoice = { kind: 'preferred', format: 'avif' };
export const PLAIN_CLIENT: FormatChoice = { kind: 'original' };

const fallbacks = (stem: string) =>
  ['jpg', 'png', 'webp', 'avif', 'gif'].map((f) => `${stem}.fallback.${f}`);

export const GOLDEN_URLS: readonly GoldenUrl[] = [
  {
    path: 'photos/cat.jpg/thumbnail/180x180',
    spec: {
      path: 'photos/cat.jpg',
      filters: [],
      resize: { sizer: 'thumbnail', width: 180, height: 180 },
    },
    avifClient: 'photos/cat.jpg/thumbnail/180x180.avif',
    plainClient: fallbacks('photos/cat.jpg/thumbnail/180x180'),
  },
  {
    path: 'photos/cat.jpg/crop/320x320.webp',
    spec: {
      path: 'photos/cat.jpg',
      filters: [],
      resize: { sizer: 'crop', width: 320, height: 320 },
      format: 'webp',
    },
    avifClient: 'photos/cat.jpg/crop/320x320.webp',
    plainClient: ['photos/cat.jpg/crop/320x320.webp'],
  },
  {
    path: 'a/b/c.png/thumbnail/0x200.png',
    spec: {
      path: 'a/b/c.png',
      filters: [],
      resize: { sizer: 'thumbnail', width: 0, height: 200 },
      format: 'png',
    },
    avifClient: 'a/b/c.png/thumbnail/0x200.png',
    plainClient: ['a/b/c.png/thumbnail/0x200.png'],
  },
  {
    path: 'x.jpg/filters/invert/grayscale/crop/100x50.jpg',
    spec: {
      path: 'x.jpg',
      filters: ['invert', 'grayscale'],
      resize: { sizer: 'crop', width: 100, height: 50 },
      format: 'jpg',
    },
    avifClient: 'x.jpg/filters/invert/grayscale/crop/100x50.jpg',
    plainClient: ['x.jpg/filters/invert/grayscale/crop/100x50.jpg'],
  },
  {
    path: 'x.jpg/filters/blur',
    spec: { path: 'x.jpg', filters: ['blur'] },
    avifClient: 'x.jpg/filters/blur.avif',
    plainClient: fallbacks('x.jpg/filters/blur'),
  },
  {
    path: 'ünïcode/фото.jpg/thumbnail/220x220',
    spec: {
      path: 'ünïcode/фото.jpg',
      filters: [],
      resize: { sizer: 'thumbnail', width: 220, height: 220 },
    },
    avifClient: 'ünïcode/фото.jpg/thumbnail/220x220.avif',
    plainClient: fallbacks('ünïcode/фото.jpg/thumbnail/220x220'),
  },
  {
    path: 'no-extension/thumbnail/180x0.avif',
    spec: {
      path: 'no-extension',
      filters: [],
      resize: { sizer: 'thumbnail', width: 180, height: 0 },
      format: 'avif',
    },
    avifClient: 'no-extension/thumbnail/180x0.avif',
    plainClient: ['no-extension/thumbnail/180x0.avif'],
  },
  {
    path: 'photos/cat.jpg/pad/180x180',
    spec: {
      path: 'photos/cat.jpg',
      filters: [],
      resize: { sizer: 'pad', width: 180, height: 180 },
    },
    avifClient: 'photos/cat.jpg/pad/180x180.avif',
    plainClient: fallbacks('photos/cat.jpg/pad/180x180'),
  },
  {
    path: 'x.jpg/filters/invert/pad/320x320.png',
    spec: {
      path: 'x.jpg',
      filters: ['invert'],
      resize: { sizer: 'pad', width: 320, height: 320 },
      format: 'png',
    },
    avifClient: 'x.jpg/filters/invert/pad/320x320.png',
    plainClient: ['x.jpg/filters/invert/pad/320x320.png'],
  },
  {
    path: 'anim/cat.gif/thumbnail/180x180.gif',
    spec: {
      path: 'anim/cat.gif',
      filters: [],
      resize: { sizer: 'thumbnail', width: 180, height: 180 },
      format: 'gif',
    },
    avifClient: 'anim/cat.gif/thumbnail/180x180.gif',
    plainClient: ['anim/cat.gif/thumbnail/180x180.gif'],
  },
  {
    path: 'anim/cat.gif/filters/still/crop/100x50',
    spec: {
      path: 'anim/cat.gif',
      filters: ['still'],
      resize: { sizer: 'crop', width: 100, height: 50 },
    },
    avifClient: 'anim/cat.gif/filters/still/crop/100x50.avif',
    plainClient: fallbacks('anim/cat.gif/filters/still/crop/100x50'),
  },
  {
    path: 'anim/cat.webp/filters/still/grayscale',
    spec: { path: 'anim/cat.webp', filters: ['still', 'grayscale'] },
    avifClient: 'anim/cat.webp/filters/still/grayscale.avif',
    plainClient: fallbacks('anim/cat.webp/filters/still/grayscale'),
  },
  {
    path: 'x.jpg/filters/grayscale/watermark/crop/100x50.webp',
    spec: {
      path: 'x.jpg',
      filters: ['grayscale', 'watermark'],
      resize: { sizer: 'crop', width: 100, height: 50 },
      format: 'webp',
    },
    avifClient: 'x.jpg/filters/grayscale/watermark/crop/100x50.webp',
    plainClient: ['x.jpg/filters/grayscale/watermark/crop/100x50.webp'],
  },
  {
    path: 'x.jpg/filters/watermark',
    spec: { path: 'x.jpg', filters: ['watermark'] },
    avifClient: 'x.jpg/filters/watermark.avif',
    plainClient: fallbacks('x.jpg/filters/watermark'),
  },
];
