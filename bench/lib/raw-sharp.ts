// The raw-sharp baseline, in this process: rendition's pipeline options with nothing around
// them (no HTTP, no probe, no cache write). sharp's operation cache is off, as in the server.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { REPO } from './servers.js';
import { sizeAt } from './sizes.js';

sharp.cache(false);

export type RawFormat = 'jpg' | 'webp' | 'avif';

export interface EncoderSettings {
  readonly jpegQuality: number;
  readonly webpQuality: number;
  readonly avifQuality: number;
  readonly avifEffort: number;
}

/** The encoder settings the built server runs with under `env` (its defaults included). */
export async function serverEncoder(env: NodeJS.ProcessEnv): Promise<EncoderSettings> {
  const url = pathToFileURL(join(REPO, 'dist', 'config', 'load-config.js')).href;
  const { loadConfig } = (await import(url)) as {
    loadConfig(env: NodeJS.ProcessEnv): { encoder: EncoderSettings };
  };
  return loadConfig(env).encoder;
}

export function rawRender(
  file: string,
  size: { width: number; height: number },
  format: RawFormat,
  encoder: EncoderSettings,
): Promise<Buffer> {
  const image = sharp(file, { autoOrient: true }).resize(size.width, size.height, {
    fit: 'inside',
    withoutEnlargement: true,
  });
  switch (format) {
    case 'jpg':
      return image.jpeg({ quality: encoder.jpegQuality, progressive: true }).toBuffer();
    case 'webp':
      return image.webp({ quality: encoder.webpQuality }).toBuffer();
    case 'avif':
      return image.avif({ quality: encoder.avifQuality, effort: encoder.avifEffort }).toBuffer();
  }
}

/** Latency in ms of `count` renders one after the other, sizes from `start`. */
export async function rawSerial(
  file: string,
  format: RawFormat,
  encoder: EncoderSettings,
  start: number,
  count: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await rawRender(file, sizeAt(start + i), format, encoder);
    times.push(performance.now() - started);
  }
  return times;
}

/** Renders per second with `inFlight` renders running at once for `seconds`. */
export async function rawThroughput(
  file: string,
  format: RawFormat,
  encoder: EncoderSettings,
  inFlight: number,
  seconds: number,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let index = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < deadline) {
        await rawRender(file, sizeAt(index++), format, encoder);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/**
 * The warm baseline: every (size, format) of every file as its own sharp call (each decodes
 * the original), `concurrency` files at once, each result written to `outDir`.
 */
export async function rawWarm(
  files: readonly string[],
  sizes: readonly { width: number; height: number }[],
  formats: readonly RawFormat[],
  encoder: EncoderSettings,
  concurrency: number,
  outDir: string,
): Promise<number> {
  let next = 0;
  let written = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < files.length; i = next++) {
        const file = files[i] as string;
        for (const size of sizes) {
          for (const format of formats) {
            const body = await rawRender(file, size, format, encoder);
            await writeFile(`${outDir}/${i}-${size.width}x${size.height}.${format}`, body);
            written += 1;
          }
        }
      }
    }),
  );
  return written;
}
