// THUMBNAIL_ROUNDING=pillow against real Pillow (Debian's python3-pil, a CI package): the
// sizes Image.thumbnail() gives are the sizes our plan gives, over a grid of shapes.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { outputSizeFor } from '../../src/render/plan.js';
import { skipWithout } from '../helpers/requirement.js';

/** Debian's interpreter: the one python3-pil is installed for. */
const PYTHON = '/usr/bin/python3';

/** What is missing for this test, or undefined when Pillow is there. */
function pillowMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import PIL.Image'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `the Pillow comparison needs ${PYTHON} with Debian's python3-pil (apt-get install -y python3-pil)`;
  }
}

// Sources of many shapes (VIF's test media among them) into boxes of many shapes.
const SOURCES: [number, number][] = [
  [601, 203],
  [580, 164],
  [600, 450],
  [604, 203],
  [325, 1000],
  [4032, 3024],
  [3024, 4032],
  [1920, 1080],
  [777, 333],
  [333, 777],
  [1001, 999],
  [5000, 7],
  [7, 5000],
];
const BOXES: [number, number][] = [
  [34, 34],
  [30, 30],
  [82, 82],
  [180, 180],
  [220, 220],
  [320, 320],
  [400, 300],
  [300, 400],
  [640, 360],
  [1000, 1000],
  [99, 7],
  [7, 99],
];

const SCRIPT = `
import json, sys
from PIL import Image
out = []
for (w, h, bw, bh) in json.load(sys.stdin):
    im = Image.new('L', (w, h))
    im.thumbnail((bw, bh))
    out.append(list(im.size))
print(json.dumps(out))
`;

describe.skipIf(skipWithout(pillowMissing()))('THUMBNAIL_ROUNDING=pillow', () => {
  it("gives the sizes of Pillow's Image.thumbnail()", () => {
    const cases = SOURCES.flatMap(([w, h]) => BOXES.map(([bw, bh]) => [w, h, bw, bh]));
    const pillow = JSON.parse(
      execFileSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8' }),
    ) as [number, number][];
    const ours = cases.map(([w = 0, h = 0, bw = 0, bh = 0]) => {
      const size = outputSizeFor(
        { width: w, height: h },
        { sizer: 'thumbnail', width: bw, height: bh },
        { upscale: false, thumbnailRounding: 'pillow' },
      );
      return [size.width, size.height];
    });
    expect(ours).toEqual(pillow);
    // The grid is worth having: nearest differs from Pillow on some of it.
    const nearest = cases.filter(([w = 0, h = 0, bw = 0, bh = 0], i) => {
      const size = outputSizeFor(
        { width: w, height: h },
        { sizer: 'thumbnail', width: bw, height: bh },
        { upscale: false },
      );
      return size.width !== pillow[i]?.[0] || size.height !== pillow[i]?.[1];
    });
    expect(nearest.length).toBeGreaterThan(0);
  });
});
