// The exported URL helper builds exactly the URLs the server answers and serves.

import { describe, expect, it } from 'vitest';
import { renditionSrcsets, renditionUrl, renditionUrls } from '../src/index.js';
import { parseMediaTarget } from '../src/url/rendition-url.js';

describe('package URL helper', () => {
  it('builds a URL set from key-set entries', () => {
    expect(
      renditionUrls(
        'photos/cat.jpg',
        { small: 'thumbnail__180x180', large: 'crop__320x320' },
        { mediaUrl: '/img' },
      ),
    ).toEqual({
      small: '/img/photos/cat.jpg/thumbnail/180x180',
      large: '/img/photos/cat.jpg/crop/320x320',
    });
  });

  it('builds single URLs with format and filters, percent-encoding the path', () => {
    const url = renditionUrl(
      'фото/a+b@c.jpg',
      { sizer: 'crop', width: 10, height: 0 },
      {
        format: 'webp',
        filters: ['grayscale'],
      },
    );
    expect(url).toBe('/media/%D1%84%D0%BE%D1%82%D0%BE/a+b@c.jpg/filters/grayscale/crop/10x0.webp');
    const decoded = decodeURIComponent(url.slice('/media/'.length));
    expect(parseMediaTarget(decoded)).toEqual({
      kind: 'rendition',
      spec: {
        path: 'фото/a+b@c.jpg',
        filters: ['grayscale'],
        resize: { sizer: 'crop', width: 10, height: 0 },
        format: 'webp',
      },
    });
  });

  it('accepts entries with variants and appends the version to every URL', () => {
    const keySet = {
      small: { size: 'thumbnail__180x180', densities: [2] },
      hero: { size: 'crop__640x360', widths: [320] },
    };
    expect(renditionUrls('cat.jpg', keySet, { version: 'abc123' })).toEqual({
      small: '/media/cat.jpg/thumbnail/180x180?v=abc123',
      hero: '/media/cat.jpg/crop/640x360?v=abc123',
    });
    expect(renditionSrcsets('cat.jpg', keySet)).toEqual({
      small: {
        src: '/media/cat.jpg/thumbnail/180x180',
        srcset: '/media/cat.jpg/thumbnail/180x180 1x, /media/cat.jpg/thumbnail/360x360 2x',
      },
      hero: {
        src: '/media/cat.jpg/crop/640x360',
        srcset: '/media/cat.jpg/crop/320x180 320w, /media/cat.jpg/crop/640x360 640w',
        sizes: '(max-width: 640px) 100vw, 640px',
      },
    });
    // With the original's size (here smaller than the 2x), descriptors are exact.
    const exact = renditionSrcsets('cat.jpg', keySet, { original: { width: 270, height: 270 } });
    expect(exact.small?.srcset).toBe(
      '/media/cat.jpg/thumbnail/180x180 1x, /media/cat.jpg/thumbnail/360x360 1.5x',
    );
    expect(() => renditionSrcsets('cat.jpg', { a: { size: 'crop__1x1', densities: [9] } })).toThrow(
      /densities/,
    );
  });

  it('sizes srcsets by the geometry settings', () => {
    const original = { width: 604, height: 203 };
    const keySet = { small: 'thumbnail__180x180', big: 'crop__800x800' };
    expect(renditionSrcsets('w.jpg', keySet, { original }).small).toMatchObject({
      width: 180,
      height: 60,
    });
    const vif = renditionSrcsets('w.jpg', keySet, {
      original,
      thumbnailRounding: 'pillow',
      cropUpscale: true,
    });
    expect(vif.small).toMatchObject({ width: 180, height: 61 });
    expect(vif.big).toMatchObject({ width: 800, height: 800 });
  });

  it('refuses bad paths and entries', () => {
    expect(() => renditionUrls('../x.jpg', { a: 'thumbnail__1x1' })).toThrow(/segments/);
    expect(() => renditionUrl('x.jpg', 'resize__10x10')).toThrow(/sizer/);
  });
});
