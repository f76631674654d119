// Process-wide sharp settings for a server: no operation cache, and only the allowed loaders.

import sharp from 'sharp';

/** libvips loader classes by input format name; unblocking a class unblocks its file/buffer variants. */
const LOADERS: Readonly<Record<string, readonly string[]>> = {
  jpeg: ['VipsForeignLoadJpeg'],
  png: ['VipsForeignLoadPng'],
  webp: ['VipsForeignLoadWebp'],
  gif: ['VipsForeignLoadNsgif'],
  avif: ['VipsForeignLoadHeif'],
  heif: ['VipsForeignLoadHeif'],
  tiff: ['VipsForeignLoadTiff'],
  svg: ['VipsForeignLoadSvg'],
};

/**
 * Blocks every libvips loader, then unblocks only those of `inputFormats`: a file that
 * claims to be an image cannot reach a parser we did not choose (SVG, PDF, magick …).
 * Turns off libvips' operation cache, which only costs memory when every request is a
 * different file, and gives each render one libvips thread.
 */
export function configureSharp(inputFormats: readonly string[]): void {
  sharp.cache(false);
  // One libvips thread per render: parallelism comes from RENDER_CONCURRENCY renders at once,
  // so the CPU a render queue can take stays bounded on every host (sharp's default is
  // one thread per core where jemalloc is available).
  sharp.concurrency(1);
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: inputFormats.flatMap((format) => LOADERS[format] ?? []) });
}
