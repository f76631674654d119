import { describe, expect, it } from 'vitest';
import { TRANSPARENT, WHITE as WHITE_COLOUR } from '../../src/config/colour.js';
import {
  animatedFormatFor,
  animationPixelsOf,
  keepsAnimation,
  originalFormatFor,
  outputSizeFor,
  type GeometryOptions,
  type PlanOptions,
  padBackgroundFor,
  planRender,
  type SourceInfo,
} from '../../src/render/plan.js';
import { CENTRE, type Resize } from '../../src/url/rendition-spec.js';

const ENCODER = {
  jpegQuality: 80,
  webpQuality: 80,
  avifQuality: 50,
  avifEffort: 4,
  pngCompression: 6,
};
const OPTIONS = { upscale: false, encoder: ENCODER, maxOutput: { width: 2048, height: 2048 } };
const source = (width: number, height: number, extra: Partial<SourceInfo> = {}): SourceInfo => ({
  width,
  height,
  format: 'jpeg',
  hasAlpha: false,
  ...extra,
});
const plan = (src: SourceInfo, resize: Resize | undefined, upscale = false, ppoi = CENTRE) =>
  planRender(src, { filters: [], resize }, 'jpg', ppoi, { ...OPTIONS, upscale });
const thumb = (width: number, height: number): Resize => ({ sizer: 'thumbnail', width, height });
const crop = (width: number, height: number): Resize => ({ sizer: 'crop', width, height });

describe('planRender geometry', () => {
  it.each([
    // source, request, upscale, expected output
    [[4000, 3000], thumb(350, 350), false, [350, 263]],
    [[3000, 4000], thumb(350, 350), false, [263, 350]],
    [[4000, 3000], thumb(0, 300), false, [400, 300]],
    [[4000, 3000], thumb(300, 0), false, [300, 225]],
    [[200, 100], thumb(350, 350), false, [200, 100]],
    [[200, 100], thumb(350, 350), true, [350, 175]],
    [[4000, 3000], crop(320, 320), false, [320, 320]],
    [[4000, 3000], crop(0, 300), false, [400, 300]],
    [[1000, 100], crop(320, 320), false, [100, 100]],
    [[200, 100], crop(320, 160), false, [200, 100]],
    [[200, 100], crop(320, 320), true, [320, 320]],
    [[1, 10000], thumb(100, 100), false, [1, 100]],
  ] as const)('%j %o upscale=%s -> %j', ([w, h], resize, upscale, [ow, oh]) => {
    const result = plan(source(w, h), resize, upscale);
    expect([result.width, result.height]).toEqual([ow, oh]);
    if (result.extract !== undefined) {
      const scaled = result.resize ?? { width: w, height: h };
      expect(result.extract.left + result.extract.width).toBeLessThanOrEqual(scaled.width);
      expect(result.extract.top + result.extract.height).toBeLessThanOrEqual(scaled.height);
    }
  });

  it('does nothing to an image already at the size', () => {
    const result = plan(source(180, 120), thumb(180, 180));
    expect(result.resize).toBeUndefined();
    expect(result.extract).toBeUndefined();
  });

  it('anchors a crop on the PPOI and keeps it inside the image', () => {
    const wide = source(4000, 2000);
    expect(plan(wide, crop(100, 100), false, { x: 0.5, y: 0.5 }).extract).toEqual({
      left: 50,
      top: 0,
      width: 100,
      height: 100,
    });
    expect(plan(wide, crop(100, 100), false, { x: 0, y: 0.5 }).extract?.left).toBe(0);
    expect(plan(wide, crop(100, 100), false, { x: 1, y: 0.5 }).extract?.left).toBe(100);
    expect(plan(wide, crop(100, 100), false, { x: 0.75, y: 0.5 }).extract?.left).toBe(100);
    expect(plan(wide, crop(100, 100), false, { x: 0.6, y: 0.5 }).extract?.left).toBe(70);
  });

  it('shrinks a filters-only rendition to fit inside MAX_WIDTH x MAX_HEIGHT', () => {
    const big = planRender(source(4000, 3000), { filters: ['blur'] }, 'jpg', CENTRE, OPTIONS);
    expect(big).toMatchObject({ width: 2048, height: 1536, resize: { width: 2048, height: 1536 } });
  });

  it('keeps the original size for a filters-only rendition', () => {
    const result = planRender(source(640, 480), { filters: ['invert'] }, 'png', CENTRE, OPTIONS);
    expect(result).toMatchObject({ width: 640, height: 480, filters: ['invert'], flatten: false });
    expect(result.resize).toBeUndefined();
  });
});

describe('planRender encoder', () => {
  it('flattens transparency only for JPEG', () => {
    const alpha = source(10, 10, { hasAlpha: true, format: 'png' });
    expect(planRender(alpha, { filters: [] }, 'jpg', CENTRE, OPTIONS).flatten).toBe(true);
    expect(planRender(alpha, { filters: [] }, 'webp', CENTRE, OPTIONS).flatten).toBe(false);
  });

  it('uses the configured quality per format and progressive JPEG', () => {
    const encoder = { ...ENCODER, jpegQuality: 71, avifQuality: 33, avifEffort: 2 };
    const src = source(10, 10);
    expect(
      planRender(src, { filters: [] }, 'jpg', CENTRE, { ...OPTIONS, encoder }).encoder,
    ).toEqual({
      format: 'jpg',
      quality: 71,
      progressive: true,
    });
    expect(
      planRender(src, { filters: [] }, 'avif', CENTRE, { ...OPTIONS, encoder }).encoder,
    ).toEqual({
      format: 'avif',
      quality: 33,
      effort: 2,
    });
  });

  it.each([
    ['jpeg', false, 'jpg'],
    ['png', true, 'png'],
    ['gif', false, 'png'],
    ['webp', true, 'webp'],
    ['avif', false, 'avif'],
    ['heif', false, 'avif'],
    ['tiff', false, 'jpg'],
    ['tiff', true, 'png'],
  ] as const)('falls back from %s (alpha %s) to %s', (format, hasAlpha, expected) => {
    expect(originalFormatFor(source(1, 1, { format, hasAlpha }))).toBe(expected);
  });
});

describe('planRender crop anchor', () => {
  const noPpoi = (strategy: 'centre' | 'attention' | 'entropy') =>
    planRender(source(4000, 2000), { filters: [], resize: crop(100, 100) }, 'jpg', undefined, {
      ...OPTIONS,
      cropStrategy: strategy,
    });

  it('leaves the region to sharp for attention and entropy when there is no PPOI', () => {
    for (const strategy of ['attention', 'entropy'] as const) {
      const result = noPpoi(strategy);
      expect(result.extract).toBeUndefined();
      expect(result.smartCrop).toEqual({ strategy, width: 100, height: 100 });
      expect(result.resize).toEqual({ width: 200, height: 100 });
    }
  });

  it('cuts the centre for the centre strategy, and around a PPOI whatever the strategy', () => {
    expect(noPpoi('centre').extract).toEqual({ left: 50, top: 0, width: 100, height: 100 });
    const anchored = planRender(
      source(4000, 2000),
      { filters: [], resize: crop(100, 100) },
      'jpg',
      { x: 0, y: 0 },
      { ...OPTIONS, cropStrategy: 'attention' },
    );
    expect(anchored.smartCrop).toBeUndefined();
    expect(anchored.extract).toEqual({ left: 0, top: 0, width: 100, height: 100 });
  });

  it('needs no crop at all when the resize already has the size', () => {
    expect(noPpoi('attention').smartCrop).toBeDefined();
    const exact = planRender(
      source(200, 200),
      { filters: [], resize: crop(100, 100) },
      'jpg',
      undefined,
      {
        ...OPTIONS,
        cropStrategy: 'attention',
      },
    );
    expect(exact.smartCrop).toBeUndefined();
    expect(exact.resize).toEqual({ width: 100, height: 100 });
  });
});

describe('planRender pad', () => {
  const pad = (width: number, height: number): Resize => ({ sizer: 'pad', width, height });
  const padPlan = (
    src: SourceInfo,
    resize: Resize,
    format: 'jpg' | 'png' | 'webp' | 'avif',
    extra: Partial<PlanOptions> = {},
  ) => planRender(src, { filters: [], resize }, format, CENTRE, { ...OPTIONS, ...extra });

  it.each([
    // source, request, upscale, inner size, bars [top, bottom, left, right]
    [[4000, 3000], pad(180, 180), false, [180, 135], [22, 23, 0, 0]],
    [[3000, 4000], pad(180, 180), false, [135, 180], [0, 0, 22, 23]],
    [[200, 100], pad(320, 320), false, [200, 100], [110, 110, 60, 60]],
    [[200, 100], pad(320, 320), true, [320, 160], [80, 80, 0, 0]],
    [[601, 203], pad(34, 34), false, [34, 11], [11, 12, 0, 0]],
  ] as const)('%j %o upscale=%s fits %j, bars %j', ([w, h], resize, upscale, inner, bars) => {
    const result = padPlan(source(w, h), resize, 'png', { upscale });
    expect([result.width, result.height]).toEqual([resize.width, resize.height]);
    expect(result.resize ?? { width: w, height: h }).toEqual({ width: inner[0], height: inner[1] });
    const [top, bottom, left, right] = bars;
    expect(result.pad).toMatchObject({ top, bottom, left, right });
    expect(result.extract).toBeUndefined();
  });

  it('has no bars when the fit already fills WxH, and a free side makes it a thumbnail', () => {
    expect(padPlan(source(400, 200), pad(200, 100), 'png').pad).toBeUndefined();
    const free = padPlan(source(400, 200), pad(100, 0), 'png');
    expect(free).toMatchObject({ width: 100, height: 50 });
    expect(free.pad).toBeUndefined();
  });

  it('is transparent in formats with alpha and white in JPEG unless PAD_BACKGROUND is set', () => {
    const src = source(400, 200);
    for (const format of ['png', 'webp', 'avif'] as const)
      expect(padPlan(src, pad(200, 200), format).pad?.background).toEqual(TRANSPARENT);
    expect(padPlan(src, pad(200, 200), 'jpg').pad?.background).toEqual(WHITE_COLOUR);
    const black = { r: 0, g: 0, b: 0, alpha: 1 };
    for (const format of ['png', 'jpg'] as const)
      expect(padPlan(src, pad(200, 200), format, { padBackground: black }).pad?.background).toEqual(
        black,
      );
  });

  it('shows a translucent PAD_BACKGROUND in JPEG as it looks over white', () => {
    const halfRed = { r: 255, g: 0, b: 0, alpha: 0.5 };
    expect(padBackgroundFor('jpg', halfRed)).toEqual({ r: 255, g: 128, b: 128, alpha: 1 });
    expect(padBackgroundFor('png', halfRed)).toEqual(halfRed);
    expect(padBackgroundFor('jpg', TRANSPARENT)).toEqual(WHITE_COLOUR);
  });

  it('sizes a pad at exactly WxH for the URL sets', () => {
    expect(outputSizeFor({ width: 601, height: 203 }, pad(34, 34), { upscale: false })).toEqual({
      width: 34,
      height: 34,
    });
  });
});

describe('geometry settings', () => {
  const size = (w: number, h: number, resize: Resize, options: GeometryOptions) =>
    outputSizeFor({ width: w, height: h }, resize, options);
  const nearest = { upscale: false };
  const pillow = { upscale: false, thumbnailRounding: 'pillow' } as const;

  it.each([
    // versatileimagefield's test media, measured (../shared/FACTS.md): [source, box, nearest, pillow]
    [
      [601, 203],
      [34, 34],
      [34, 11],
      [34, 12],
    ],
    [
      [580, 164],
      [30, 30],
      [30, 8],
      [30, 9],
    ],
    [
      [600, 450],
      [82, 82],
      [82, 61],
      [82, 62],
    ],
    // A tie goes down, as Pillow's min() keeps the first of equals: 58.5 -> 58.
    [
      [325, 1000],
      [180, 180],
      [59, 180],
      [58, 180],
    ],
    [
      [604, 203],
      [180, 180],
      [180, 60],
      [180, 61],
    ],
    // A free side is unbounded; the floor is 1 pixel.
    [
      [601, 203],
      [34, 0],
      [34, 11],
      [34, 12],
    ],
    [
      [10000, 10],
      [100, 100],
      [100, 1],
      [100, 1],
    ],
    // Small enough already: kept as it is under both rules.
    [
      [100, 50],
      [180, 180],
      [100, 50],
      [100, 50],
    ],
  ] as const)('%j into %j: nearest %j, pillow %j', ([w, h], [W, H], near, pil) => {
    expect(size(w, h, thumb(W, H), nearest)).toEqual({ width: near[0], height: near[1] });
    expect(size(w, h, thumb(W, H), pillow)).toEqual({ width: pil[0], height: pil[1] });
  });

  it('rounds the fit of a pad, a crop with a free side and a filters-only shrink alike', () => {
    expect(size(601, 203, { sizer: 'crop', width: 34, height: 0 }, pillow)).toEqual({
      width: 34,
      height: 12,
    });
    const padded = planRender(
      source(601, 203),
      { filters: [], resize: { sizer: 'pad', width: 34, height: 34 } },
      'png',
      CENTRE,
      { ...OPTIONS, ...pillow },
    );
    expect(padded.resize).toEqual({ width: 34, height: 12 });
    expect(padded.pad).toMatchObject({ top: 11, bottom: 11 });
    const filtersOnly = planRender(source(6010, 2030), { filters: ['blur'] }, 'jpg', CENTRE, {
      ...OPTIONS,
      maxOutput: { width: 34, height: 34 },
      ...pillow,
    });
    expect([filtersOnly.width, filtersOnly.height]).toEqual([34, 12]);
  });

  it('rounds an enlarged thumbnail by the same rule with UPSCALE', () => {
    expect(size(604, 203, thumb(1812, 1812), { ...pillow, upscale: true })).toEqual({
      width: 1812,
      height: 609,
    });
  });

  it('enlarges crops, and only crops, of a small original with CROP_UPSCALE', () => {
    const cropUpscale = { upscale: false, cropUpscale: true };
    expect(size(200, 100, crop(320, 320), nearest)).toEqual({ width: 100, height: 100 });
    expect(size(200, 100, crop(320, 320), cropUpscale)).toEqual({ width: 320, height: 320 });
    expect(size(200, 100, thumb(320, 320), cropUpscale)).toEqual({ width: 200, height: 100 });
    expect(size(200, 100, { sizer: 'pad', width: 320, height: 320 }, cropUpscale)).toEqual({
      width: 320,
      height: 320,
    });
    const enlarged = planRender(
      source(200, 100),
      { filters: [], resize: crop(320, 320) },
      'jpg',
      CENTRE,
      { ...OPTIONS, ...cropUpscale },
    );
    expect(enlarged.resize).toEqual({ width: 640, height: 320 });
    expect(enlarged.extract).toEqual({ left: 160, top: 0, width: 320, height: 320 });
  });
});

describe('animated originals', () => {
  const gif = source(480, 270, { format: 'gif', frames: 100, delay: Array(100).fill(40), loop: 0 });
  const multiPageTiff = source(480, 270, { format: 'tiff', frames: 3 });

  it.each([
    [gif, [], 'webp', true],
    [gif, [], 'gif', true],
    [gif, [], 'avif', false],
    [gif, [], 'jpg', false],
    [gif, ['still'], 'webp', false],
    [multiPageTiff, [], 'webp', false],
    [source(480, 270, { format: 'gif', frames: 1 }), [], 'gif', false],
  ] as const)('keepsAnimation(%#) is %s', (src, filters, format, expected) => {
    expect(keepsAnimation(src, filters, format)).toBe(expected);
  });

  it('negotiates AVIF into WebP for an animation, never for a still or `still`', () => {
    expect(animatedFormatFor(gif, [], 'avif')).toBe('webp');
    expect(animatedFormatFor(gif, ['still'], 'avif')).toBe('avif');
    expect(animatedFormatFor(source(10, 10), [], 'avif')).toBe('avif');
    expect(animatedFormatFor(gif, [], 'jpg')).toBe('jpg');
  });

  it('keeps an animated GIF a GIF as the fallback; its still and a still GIF are PNG', () => {
    expect(originalFormatFor(gif)).toBe('gif');
    expect(originalFormatFor(gif, ['still'])).toBe('png');
    expect(originalFormatFor(source(10, 10, { format: 'gif' }))).toBe('png');
  });

  it('plans the animation with its timing, and centres crops without a PPOI', () => {
    const result = planRender(
      gif,
      { filters: [], resize: { sizer: 'crop', width: 100, height: 100 } },
      'webp',
      undefined,
      {
        ...OPTIONS,
        cropStrategy: 'attention',
      },
    );
    expect(result.animation).toEqual({ frames: 100, delay: gif.delay, loop: 0 });
    expect(result.smartCrop).toBeUndefined();
    expect(result.extract).toEqual({ left: 39, top: 0, width: 100, height: 100 });
    expect(
      planRender(gif, { filters: [], resize: undefined }, 'jpg', undefined, OPTIONS).animation,
    ).toBeUndefined();
    expect(animationPixelsOf(gif)).toBe(100 * 480 * 270);
  });

  it('drops delays that do not match the frame count', () => {
    const odd = { ...gif, delay: [40] };
    expect(planRender(odd, { filters: [] }, 'gif', undefined, OPTIONS).animation?.delay).toEqual(
      [],
    );
  });
});
