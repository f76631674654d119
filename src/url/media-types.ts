// The one MIME table: what Node sends and what the generated nginx `types` block declares.

import type { OutputFormat } from './rendition-spec.js';

/** Content types by lower-case file extension. Everything else is `application/octet-stream`. */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

/** The content type nginx would send for a file name. */
export function mediaTypeFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const slash = fileName.lastIndexOf('/');
  if (dot <= slash) return DEFAULT_MEDIA_TYPE;
  return MEDIA_TYPES[fileName.slice(dot + 1).toLowerCase()] ?? DEFAULT_MEDIA_TYPE;
}

export function mediaTypeOfFormat(format: OutputFormat): string {
  return MEDIA_TYPES[format] ?? DEFAULT_MEDIA_TYPE;
}
