// Signed URLs: HMAC-SHA256 over the canonical rendition path, key rotation, malformed values,
// and malformed values. The docs' Python signer is checked in test/docs-python-signer.test.ts.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRenditionUrl } from '../../src/index.js';
import { decodeMediaPath } from '../../src/url/media-path.js';
import type { RenditionSpec } from '../../src/url/rendition-spec.js';
import { parseMediaTarget } from '../../src/url/rendition-url.js';
import { signatureFor, signatureMatches } from '../../src/url/signature.js';

const KEY = 'k'.repeat(32);
const OLD_KEY = 'o'.repeat(40);

function specOf(url: string): RenditionSpec {
  const target = parseMediaTarget(
    decodeMediaPath(url.split('?')[0]?.slice('/media/'.length) ?? ''),
  );
  if (target.kind !== 'rendition') throw new Error(`${url} is not a rendition`);
  return target.spec;
}

describe('signatures', () => {
  const spec = specOf('/media/photos/cat.jpg/crop/500x300.webp');

  it('is base64url HMAC-SHA256 of the canonical rendition path, nothing else', () => {
    const expected = createHmac('sha256', KEY)
      .update('photos/cat.jpg/crop/500x300.webp')
      .digest('base64url');
    expect(signatureFor(KEY, spec)).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is the same for every spelling of one rendition', () => {
    const encoded = specOf('/media/%D1%84%D0%BE%D1%82%D0%BE/a+b@c.jpg/crop/10x10');
    const plain = specOf('/media/фото/a+b@c.jpg/crop/10x10');
    const slash = specOf('/media/%D1%84%D0%BE%D1%82%D0%BE%2Fa+b@c.jpg/crop/10x10');
    expect(signatureFor(KEY, encoded)).toBe(signatureFor(KEY, plain));
    expect(signatureFor(KEY, slash)).toBe(signatureFor(KEY, plain));
  });

  it('accepts a signature of any configured key (rotation), refuses everything else', () => {
    const keys = [KEY, OLD_KEY];
    expect(signatureMatches(signatureFor(KEY, spec), spec, keys)).toBe(true);
    expect(signatureMatches(signatureFor(OLD_KEY, spec), spec, keys)).toBe(true);
    expect(signatureMatches(signatureFor(OLD_KEY, spec), spec, [KEY])).toBe(false);
    const other = specOf('/media/photos/cat.jpg/crop/500x301.webp');
    expect(signatureMatches(signatureFor(KEY, other), spec, keys)).toBe(false);
    const good = signatureFor(KEY, spec);
    const flipped = `${good.slice(0, 10)}${good[10] === 'A' ? 'B' : 'A'}${good.slice(11)}`;
    for (const bad of [flipped, good.slice(1), `${good}A`, `${good}=`, '', '!'.repeat(43)]) {
      expect(signatureMatches(bad, spec, keys), bad).toBe(false);
    }
    // The unused low bits of the last character: only the canonical spelling is accepted.
    const last = good.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(signatureMatches(`${good.slice(0, -1)}${sibling}`, spec, keys)).toBe(false);
  });
});

describe('signRenditionUrl', () => {
  it('adds s= to the query, keeps ?v=, replaces an old s=, and refuses originals', () => {
    const signed = signRenditionUrl('/media/photos/cat.jpg/crop/500x300.webp', KEY);
    expect(signed).toBe(`/media/photos/cat.jpg/crop/500x300.webp?s=${signatureFor(KEY, spec())}`);
    const versioned = signRenditionUrl('/media/photos/cat.jpg/crop/500x300.webp?v=abc', KEY);
    expect(versioned).toBe(
      `/media/photos/cat.jpg/crop/500x300.webp?v=abc&s=${signatureFor(KEY, spec())}`,
    );
    expect(signRenditionUrl(signed, KEY)).toBe(signed);
    expect(
      signRenditionUrl('https://cdn.example/img/cat.jpg/crop/5x5', KEY, { mediaUrl: '/img' }),
    ).toMatch(/^https:\/\/cdn\.example\/img\/cat\.jpg\/crop\/5x5\?s=[A-Za-z0-9_-]{43}$/);
    expect(() => signRenditionUrl('/media/photos/cat.jpg', KEY)).toThrow(/rendition URL/);
    expect(() => signRenditionUrl('/other/cat.jpg/crop/5x5', KEY)).toThrow(/under \/media\//);
  });

  function spec(): RenditionSpec {
    return specOf('/media/photos/cat.jpg/crop/500x300.webp');
  }
});
