// Key sets (versatileimagefield's RENDITION_KEY_SETS): named `sizer__WxH` entries and URL sets.

import { AppError, quoteInput } from '../errors.js';
import { formatSize, isSizer, type Resize, SIZERS } from './rendition-spec.js';
import { formatRenditionUrl } from './rendition-url.js';

/** Key set name -> rendition name -> size, e.g. `image.small = thumbnail 180x180`. */
export type KeySets = Readonly<Record<string, Readonly<Record<string, Resize>>>>;

const KEY_SET_ENTRY = /^([a-z]+)__(0|[1-9][0-9]{0,4})x(0|[1-9][0-9]{0,4})$/;

/** Parses one `sizer__WxH` entry, e.g. `crop__320x320`. */
export function parseKeySetEntry(entry: string): Resize {
  const match = KEY_SET_ENTRY.exec(entry);
  const sizer = match?.[1] ?? '';
  if (match === null || !isSizer(sizer) || (match[2] === '0' && match[3] === '0')) {
    throw new AppError(
      'BAD_REQUEST',
      `Expected "<sizer>__<W>x<H>" with sizer ${SIZERS.join(' or ')} but received ${quoteInput(entry)}`,
    );
  }
  return { sizer, width: Number(match[2]), height: Number(match[3]) };
}

/** The inverse of {@link parseKeySetEntry}. */
export function formatKeySetEntry(resize: Resize): string {
  return `${resize.sizer}__${formatSize(resize)}`;
}

/** Every `WxH` named by any key set: these sizes are always allowed. */
export function sizesOfKeySets(keySets: KeySets): Set<string> {
  const sizes = new Set<string>();
  for (const keySet of Object.values(keySets)) {
    for (const resize of Object.values(keySet)) sizes.add(formatSize(resize));
  }
  return sizes;
}

/** `{name: url}` for one original and one key set, like build_versatileimagefield_url_set. */
export function urlSetFor(
  mediaUrl: string,
  path: string,
  keySet: Readonly<Record<string, Resize>>,
): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [name, resize] of Object.entries(keySet)) {
    urls[name] = formatRenditionUrl(mediaUrl, { path, filters: [], resize });
  }
  return urls;
}
