// The nearest valid rendition tail to a misspelt one (`thumbnial/180x180`, `thumbnail/180X180`):
// what a 400 suggests instead of a 404 for an original that exists.

import { nearestName } from './nearest-name.js';
import { formatRenditionPath, parseMediaTarget } from './rendition-url.js';
import { FILTERS, OUTPUT_FORMATS, SIZERS } from './rendition-spec.js';

/** Longest tail considered: `filters/<four filters>/<sizer>/<WxH>` is 7 segments. */
export const MAX_HINT_SEGMENTS = 7;

const WORDS: readonly string[] = [...SIZERS, 'filters', ...FILTERS];
const FORMAT_WORDS: readonly string[] = [...OUTPUT_FORMATS, 'jpeg'];
// A size in any spelling people type: `180X180`, `180*180`, `180×180`, `0180x180`, `.JPG`.
const LOOSE_SIZE = /^([0-9]{1,5})\s*[xX*×]\s*([0-9]{1,5})(?:\.([A-Za-z]+))?$/;

/**
 * The canonical tail nearest to `tail` (the segments after an original's path), or
 * undefined when it does not look like a rendition or is already canonical.
 */
export function renditionHintFor(tail: readonly string[]): string | undefined {
  if (tail.length === 0 || tail.length > MAX_HINT_SEGMENTS) return undefined;
  const fixed: string[] = [];
  for (const segment of tail) {
    const size = LOOSE_SIZE.exec(segment);
    if (size !== null) {
      fixed.push(fixSize(size[1] ?? '', size[2] ?? '', size[3]));
      continue;
    }
    const word = WORDS.includes(segment.toLowerCase())
      ? segment.toLowerCase()
      : nearestName(segment, WORDS);
    if (word === undefined) return undefined;
    fixed.push(word);
  }
  const candidate = fixed.join('/');
  if (candidate === tail.join('/')) return undefined;
  try {
    // A stand-in path: the hint is about the tail only.
    const target = parseMediaTarget(`a.jpg/${candidate}`);
    if (target.kind !== 'rendition') return undefined;
    const canonical = formatRenditionPath(target.spec);
    return canonical === `a.jpg/${candidate}` ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function fixSize(width: string, height: string, ext: string | undefined): string {
  const size = `${Number(width)}x${Number(height)}`;
  if (ext === undefined) return size;
  const format = nearestFormat(ext.toLowerCase());
  return format === undefined ? size : `${size}.${format}`;
}

function nearestFormat(ext: string): string | undefined {
  const format = FORMAT_WORDS.includes(ext) ? ext : nearestName(ext, FORMAT_WORDS);
  return format === 'jpeg' ? 'jpg' : format;
}
