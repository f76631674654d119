import { describe, expect, it } from 'vitest';
import { renditionHintFor } from '../../src/url/rendition-hint.js';

describe('renditionHintFor', () => {
  it.each([
    ['thumbnial/180x180', 'thumbnail/180x180'],
    ['thumbnail/180X180', 'thumbnail/180x180'],
    ['Thumbnail/180x180', 'thumbnail/180x180'],
    ['corp/320x320.webp', 'crop/320x320.webp'],
    ['crop/320*320.WEBP', 'crop/320x320.webp'],
    ['crop/320x320.jpeg', 'crop/320x320.jpg'],
    ['crop/0320x320', 'crop/320x320'],
    ['filter/blur/crop/100x100', 'filters/blur/crop/100x100'],
    ['filters/blurr/thumbnail/180x180', 'filters/blur/thumbnail/180x180'],
    ['filters/greyscale', 'filters/grayscale'],
  ])('suggests %s -> %s', (tail, hint) => {
    expect(renditionHintFor(tail.split('/'))).toBe(hint);
  });

  it.each([
    'thumbnail/180x180',
    'photos/2024',
    'thumbnail',
    'cat.jpg',
    'resize/180x180',
    'filters/sharpen/blur',
    'a/b/c/d/e/f/g/h',
  ])('has no hint for %s', (tail) => {
    expect(renditionHintFor(tail.split('/'))).toBeUndefined();
  });
});
