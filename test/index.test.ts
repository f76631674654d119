// The exported URL helper builds exactly the URLs the server answers and serves.

import { describe, expect, it } from 'vitest';
import { renditionUrl, renditionUrls } from '../src/index.js';
import { parseMediaTarget } from '../src/spec/rendition-url.js';

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

  it('refuses bad paths and entries', () => {
    expect(() => renditionUrls('../x.jpg', { a: 'thumbnail__1x1' })).toThrow(/segments/);
    expect(() => renditionUrl('x.jpg', 'resize__10x10')).toThrow(/sizer/);
  });
});
