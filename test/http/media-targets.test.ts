// The remembered media-target parser: same answers as the grammar, same objects for repeats.

import { describe, expect, it } from 'vitest';
import { createMediaTargetParser } from '../../src/http/media-targets.js';
import { decodeMediaPath } from '../../src/url/media-path.js';
import { parseMediaTarget } from '../../src/url/rendition-url.js';

describe('createMediaTargetParser', () => {
  it('answers what the grammar answers, and the same object for a repeated path', () => {
    const parser = createMediaTargetParser();
    for (const raw of ['a.jpg', 'a%40b.jpg/crop/10x10.webp', 'x/y.png/filters/blur']) {
      const first = parser.parse(raw);
      expect(first).toEqual(parseMediaTarget(decodeMediaPath(raw)));
      expect(parser.parse(raw)).toBe(first);
    }
  });

  it('refuses a bad path every time instead of remembering it', () => {
    const parser = createMediaTargetParser();
    for (let i = 0; i < 2; i += 1) {
      expect(() => parser.parse('a.jpg/crop/10x10.bmp')).toThrow(/format/i);
      expect(() => parser.parse('%2e%2e/a.jpg')).toThrow();
    }
  });

  it('forgets the oldest path past its bound', () => {
    const parser = createMediaTargetParser(2);
    const a = parser.parse('a.jpg');
    parser.parse('b.jpg');
    expect(parser.parse('a.jpg')).toBe(a);
    parser.parse('c.jpg'); // forgets a.jpg, the oldest inserted
    expect(parser.parse('a.jpg')).not.toBe(a);
    expect(parser.parse('a.jpg')).toEqual(a);
  });
});
