// Registering originals through the real admin API, and solid-colour originals to tell an
// original from its replacement by their renditions' pixels.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Rgb } from './images.js';

/** A JPEG of one colour: its renditions are that colour everywhere. */
export function solidJpeg(width: number, height: number, colour: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

export interface UploadOptions {
  readonly replace?: boolean;
  /** Key sets to warm, comma-separated. */
  readonly warm?: string;
}

/** `POST <baseUrl>/admin/images` as multipart; answers the parsed 201 body (throws otherwise). */
export async function uploadOriginal(
  baseUrl: string,
  token: string,
  bytes: Uint8Array,
  path: string,
  options: UploadOptions = {},
): Promise<{ urls: Record<string, Record<string, string>>; sha256: string }> {
  const form = new FormData();
  form.set('path', path);
  if (options.warm !== undefined) form.set('warm', options.warm);
  form.set('file', new Blob([bytes]), 'upload.jpg');
  const response = await fetch(`${baseUrl}/admin/images${options.replace ? '?replace=true' : ''}`, {
    method: 'POST',
    body: form,
    headers: { Authorization: `Bearer ${token}` },
  });
  if (response.status !== 201) {
    throw new Error(`upload of ${path}: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as {
    urls: Record<string, Record<string, string>>;
    sha256: string;
  };
}

/** Rendition files of one original under CACHE_ROOT (relative to its directory), sorted. */
export async function renditionFilesOf(cacheRoot: string, path: string): Promise<string[]> {
  const entries = await readdir(join(cacheRoot, path), {
    recursive: true,
    withFileTypes: true,
  }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(join(cacheRoot, path).length + 1))
    .sort();
}
