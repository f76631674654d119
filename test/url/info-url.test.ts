import { describe, expect, it } from 'vitest';
import { parseInfoPath } from '../../src/url/info-url.js';
import { parseMediaTarget } from '../../src/url/rendition-url.js';

describe('parseInfoPath', () => {
  it.each([
    ['photo.jpg/info', 'photo.jpg'],
    ['a/b/photo.jpg/info', 'a/b/photo.jpg'],
    ['dir/info', 'dir'],
    ['info/info', 'info'],
    ['photo.jpg/crop/100x100/info', 'photo.jpg/crop/100x100'],
    ['info', undefined],
    ['photo.jpg', undefined],
    ['photo.jpg/info.json', undefined],
    ['photo.jpg/INFO', undefined],
    ['photo.jpg/thumbnail/100x100', undefined],
  ])('%s -> %s', (decoded, expected) => {
    expect(parseInfoPath(decoded)).toBe(expected);
  });

  it('checks the path before `info` like any media path', () => {
    expect(() => parseInfoPath('../info')).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
    expect(() => parseInfoPath('a//info')).toThrow(expect.objectContaining({ code: 'BAD_PATH' }));
  });

  it('is a target of its own, never a rendition: no sizer, size or filter is named info', () => {
    expect(parseMediaTarget('photo.jpg/info')).toEqual({ kind: 'info', path: 'photo.jpg' });
    expect(parseMediaTarget('photo.jpg/crop/100x100/info')).toEqual({
      kind: 'info',
      path: 'photo.jpg/crop/100x100',
    });
    expect(parseMediaTarget('info')).toEqual({ kind: 'original', path: 'info' });
  });
});
