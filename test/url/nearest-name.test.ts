import { describe, expect, it } from 'vitest';
import { editDistance, nearestName } from '../../src/url/nearest-name.js';

describe('editDistance', () => {
  it.each([
    ['PORT', 'PORT', 0],
    ['PROT', 'PORT', 1],
    ['MAX_WIDHT', 'MAX_WIDTH', 1],
    ['ALLOWED_SIZE', 'ALLOWED_SIZES', 1],
    ['thumbnial', 'thumbnail', 1],
    ['', 'abc', 3],
    ['PATH', 'PORT', 3],
    ['HOME', 'HOST', 2],
  ])('%s -> %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('nearestName', () => {
  const names = [
    'PORT',
    'HOST',
    'MAX_WIDTH',
    'MAX_HEIGHT',
    'ALLOWED_SIZES',
    'keySets',
    'jpegQuality',
    'MEDIA_URL',
    'RENDER_CONCURRENCY',
  ];
  it.each([
    ['PROT', 'PORT'],
    ['MAX_WIDHT', 'MAX_WIDTH'],
    ['ALLOWED_SIZE', 'ALLOWED_SIZES'],
    ['keysets', 'keySets'],
    ['jpegQuailty', 'jpegQuality'],
    ['port', 'PORT'],
    ['RENDER_CONCURENCY', 'RENDER_CONCURRENCY'],
  ])('%s is nearest to %s', (input, name) => {
    expect(nearestName(input, names)).toBe(name);
  });

  it.each([
    'PATH',
    'HOME',
    'HOSTNAME',
    'PWD',
    'PORT',
    'NODE_ENV',
    'MAX',
    'REDIS_URL',
    'POSTGRES_PORT',
  ])('finds nothing near %s', (input) => {
    expect(nearestName(input, names)).toBeUndefined();
  });
});
