// Validation of new originals with real sharp: whole images pass, cut ones never do.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureSharp } from '../../src/render/sharp-setup.js';
import { validateOriginal } from '../../src/render/validate.js';
import { bitFlipped } from '../helpers/hostile-images.js';
import { jpegImage, pngImage } from '../helpers/images.js';

const LIMITS = {
  maxInputPixels: 16_800_000,
  maxInputFrames: 1000,
  inputFormats: ['jpeg', 'png', 'webp', 'gif', 'avif'],
};
let dir: string;

beforeAll(async () => {
  configureSharp(LIMITS.inputFormats);
  dir = await mkdtemp(join(tmpdir(), 'rendition-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validateOriginal', () => {
  it('accepts whole images and reports what they are', async () => {
    const file = join(dir, 'whole.png');
    await writeFile(file, await pngImage(120, 80));
    expect(await validateOriginal(file, LIMITS)).toMatchObject({
      format: 'png',
      width: 120,
      height: 80,
    });
  });

  it.each([
    ['truncated', async () => (await jpegImage(300, 200)).subarray(0, 900)],
    [
      'bit-flipped',
      async () => {
        const jpeg = await jpegImage(300, 200);
        return bitFlipped(jpeg, 1, 8, jpeg.length >> 2);
      },
    ],
  ])('refuses a %s JPEG every time, even 20 validations at once', async (name, bytes) => {
    const file = join(dir, `${name}.jpg`);
    await writeFile(file, await bytes());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        validateOriginal(file, LIMITS).then(
          () => 'accepted',
          (error: { code?: string }) => error.code,
        ),
      ),
    );
    expect(outcomes).toEqual(Array(20).fill('UNSUPPORTED_IMAGE'));
  });
});
