// Parsed media targets by raw path: repeated URLs (every hit) skip decoding and the grammar.

import { parseInfoPath } from '../url/info-url.js';
import { decodeMediaPath } from '../url/media-path.js';
import { type MediaTarget, parseMediaTarget } from '../url/rendition-url.js';

/** What a media URL asks for: an original, a rendition, or the info of an original. */
export type RouteTarget = MediaTarget | { readonly kind: 'info'; readonly path: string };

export interface MediaTargetParser {
  /** `<path>/info`, else `parseMediaTarget(decodeMediaPath(raw))`, remembered; throws what they throw. */
  parse(raw: string): RouteTarget;
}

/**
 * Remembers up to `max` parsed targets (oldest forgotten first). Only successes are kept:
 * a refused path is parsed, and refused, again each time. The same raw path always yields
 * the same target object, which lets later steps memoize per target.
 */
export function createMediaTargetParser(max = 10_000): MediaTargetParser {
  const parsed = new Map<string, RouteTarget>();
  return {
    parse(raw) {
      const known = parsed.get(raw);
      if (known !== undefined) return known;
      // Decode first, then split: a %2F is a separator like any other `/` (nginx agrees).
      const decoded = decodeMediaPath(raw);
      const infoPath = parseInfoPath(decoded);
      const target: RouteTarget =
        infoPath === undefined ? parseMediaTarget(decoded) : { kind: 'info', path: infoPath };
      if (parsed.size >= max) parsed.delete(parsed.keys().next().value as string);
      parsed.set(raw, target);
      return target;
    },
  };
}
