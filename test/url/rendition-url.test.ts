import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import {
  formatRenditionPath,
  formatRenditionUrl,
  parseMediaTarget,
} from '../../src/url/rendition-url.js';
import { GOLDEN_URLS } from './golden-urls.js';

describe('parseMediaTarget / formatRenditionPath', () => {
  it.each(GOLDEN_URLS)('round-trips $path', ({ path, spec }) => {
    const target = parseMediaTarget(path);
    expect(target).toEqual({ kind: 'rendition', spec });
    expect(formatRenditionPath(spec)).toBe(path);
  });

  it.each([
    'photos/cat.jpg',
    'a/thumbnail',
    'photos/thumbnail/cat.jpg',
    'photos/2020/640x480.jpg',
    'a/filters',
    'filters/invert',
    'thumbnail/180x180',
  ])('reads %s as an original', (path) => {
    expect(parseMediaTarget(path)).toEqual({ kind: 'original', path });
  });

  it.each([
    ['x.jpg/thumbnail/0180x180', /canonical/],
    ['x.jpg/thumbnail/180x+18', null],
    ['x.jpg/thumbnail/123456x1', /canonical/],
    ['x.jpg/crop/0x0', /at most one side/],
    ['x.jpg/thumbnail/180x180.jpeg', /format/],
    ['x.jpg/thumbnail/180x180.tiff', /format/],
    ['x.jpg/thumbnail/180x180.', /format/],
    ['x.jpg/filters/blur/blur', /at most once/],
    ['x.jpg/filters/invert/blur', /in the order still, blur, sharpen, invert, grayscale/],
    ['x.jpg/filters/grayscale/invert/thumbnail/180x180', /in the order/],
  ])('refuses %s', (path, message) => {
    if (message === null) {
      // Not size-shaped: it names an original (which will simply not exist).
      expect(parseMediaTarget(path).kind).toBe('original');
      return;
    }
    const attempt = () => parseMediaTarget(path);
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(message);
  });

  it('refuses a bad original path inside a rendition URL', () => {
    expect(() => parseMediaTarget('../x.jpg/thumbnail/180x180')).toThrow(/segments/);
  });

  it('formats URLs with percent-encoding but readable @ and +', () => {
    const url = formatRenditionUrl('/media', {
      path: 'me@home/a+b c.jpg',
      filters: [],
      resize: { sizer: 'crop', width: 10, height: 20 },
      format: 'webp',
    });
    expect(url).toBe('/media/me@home/a+b%20c.jpg/crop/10x20.webp');
  });
});
