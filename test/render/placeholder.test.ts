// Placeholders on real images: the dominant colour, an LQIP data URI of a few hundred bytes
// that decodes to a tiny image of the right shape, and a ThumbHash that decodes back to the
// picture's colours and aspect ratio. Made from validation's own preview or from the file.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import {
  computePlaceholders,
  type Placeholders,
  placeholdersFrom,
} from '../../src/render/placeholder.js';
import { validateOriginal } from '../../src/render/validate.js';
import { BLUE, colourAt, inspect, near, pngWithAlpha, RED, type Rgb } from '../helpers/images.js';

const config = loadConfig({});
let dir: string;

/** An image mostly (3/4) of `main`, the right quarter `other`. */
function mostly(width: number, height: number, main: Rgb, other: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: main } })
    .composite([
      {
        input: { create: { width: width / 4, height, channels: 3, background: other } },
        left: (width * 3) / 4,
        top: 0,
      },
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
}

function hexOf(colour: string): Rgb {
  return {
    r: Number.parseInt(colour.slice(1, 3), 16),
    g: Number.parseInt(colour.slice(3, 5), 16),
    b: Number.parseInt(colour.slice(5, 7), 16),
  };
}

function lqipBytes(placeholders: Placeholders): Buffer {
  const prefix = 'data:image/webp;base64,';
  expect(placeholders.lqip.startsWith(prefix)).toBe(true);
  return Buffer.from(placeholders.lqip.slice(prefix.length), 'base64');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-placeholder-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('placeholders', () => {
  it('are made from the preview of the validating decode', async () => {
    const file = join(dir, 'wide.jpg');
    await writeFile(file, await mostly(1600, 800, RED, BLUE));
    const validated = await validateOriginal(file, config.render);
    // The preview is small: ThumbHash takes at most 100x100.
    expect([validated.preview.width, validated.preview.height]).toEqual([100, 50]);
    expect(validated.preview.data.length).toBe(100 * 50 * 4);

    const placeholders = await placeholdersFrom(validated.preview);
    expect(placeholders.dominant).toMatch(/^#[0-9a-f]{6}$/);
    expect(near(hexOf(placeholders.dominant), RED, 50)).toBe(true);

    const lqip = lqipBytes(placeholders);
    expect(placeholders.lqip.length).toBeLessThan(600);
    expect(await inspect(lqip)).toMatchObject({ format: 'webp', width: 16, height: 8 });
    expect(near(await colourAt(lqip, 0.2, 0.5), RED, 60)).toBe(true);
    expect(near(await colourAt(lqip, 0.95, 0.5), BLUE, 80)).toBe(true);

    const hash = Buffer.from(placeholders.thumbhash, 'base64');
    expect(hash.length).toBeLessThan(40);
    expect(thumbHashToApproximateAspectRatio(hash)).toBeCloseTo(2, 0);
    const decoded = thumbHashToRGBA(hash);
    const left = { r: decoded.rgba[0] ?? 0, g: decoded.rgba[1] ?? 0, b: decoded.rgba[2] ?? 0 };
    expect(near(left, RED, 80)).toBe(true);
  });

  it('are the same made later from the stored file (backfill) as at registration', async () => {
    const file = join(dir, 'tall.jpg');
    await writeFile(file, await mostly(400, 1200, BLUE, RED));
    const fromFile = await computePlaceholders(file, config.render);
    const fromValidation = await placeholdersFrom(
      (await validateOriginal(file, config.render)).preview,
    );
    expect(near(hexOf(fromFile.dominant), hexOf(fromValidation.dominant), 16)).toBe(true);
    expect(near(hexOf(fromFile.dominant), BLUE, 50)).toBe(true);
    expect(await inspect(lqipBytes(fromFile))).toMatchObject({ width: 5, height: 16 });
  });

  it('keep transparency in the LQIP and the ThumbHash', async () => {
    const file = join(dir, 'alpha.png');
    await writeFile(file, await pngWithAlpha(64, 64));
    const placeholders = await computePlaceholders(file, config.render);
    expect(await inspect(lqipBytes(placeholders))).toMatchObject({ hasAlpha: true, width: 16 });
    const decoded = thumbHashToRGBA(Buffer.from(placeholders.thumbhash, 'base64'));
    const alpha = decoded.rgba[3] ?? 255;
    expect(alpha).toBeGreaterThan(90);
    expect(alpha).toBeLessThan(170);
  });

  it('refuse a file that is not an image with UNSUPPORTED_IMAGE', async () => {
    const file = join(dir, 'not-an-image.jpg');
    await writeFile(file, 'hello');
    await expect(computePlaceholders(file, config.render)).rejects.toMatchObject({
      code: 'UNSUPPORTED_IMAGE',
    });
  });
});
