import { describe, expect, it } from 'vitest';
import { acceptsFormat, chooseFormat, variesWithAccept } from '../../src/url/negotiate.js';

const CHROME = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const OLD_SAFARI = 'image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5';

describe('chooseFormat', () => {
  it.each([
    [undefined, CHROME, ['avif', 'webp'], { kind: 'preferred', format: 'avif' }],
    [undefined, OLD_SAFARI, ['avif', 'webp'], { kind: 'preferred', format: 'webp' }],
    [undefined, CHROME, ['webp', 'avif'], { kind: 'preferred', format: 'webp' }],
    [undefined, '*/*', ['avif', 'webp'], { kind: 'original' }],
    [undefined, undefined, ['avif', 'webp'], { kind: 'original' }],
    [undefined, CHROME, [], { kind: 'original' }],
    ['png', CHROME, ['avif', 'webp'], { kind: 'explicit', format: 'png' }],
  ] as const)('explicit %s, Accept %s, preferred %j', (explicit, accept, preferred, expected) => {
    expect(chooseFormat(explicit, accept, preferred)).toEqual(expected);
  });

  it('matches like the nginx map: case-insensitive, q-values ignored', () => {
    expect(acceptsFormat('IMAGE/AVIF', 'avif')).toBe(true);
    expect(acceptsFormat('image/avif;q=0', 'avif')).toBe(true);
    expect(acceptsFormat('image/*', 'avif')).toBe(false);
    expect(acceptsFormat('image/jpeg', 'jpg')).toBe(true);
  });

  it('varies with Accept only when negotiating', () => {
    expect(variesWithAccept({ kind: 'original' }, ['avif'])).toBe(true);
    expect(variesWithAccept({ kind: 'preferred', format: 'avif' }, ['avif'])).toBe(true);
    expect(variesWithAccept({ kind: 'explicit', format: 'avif' }, ['avif'])).toBe(false);
    expect(variesWithAccept({ kind: 'original' }, [])).toBe(false);
  });
});
