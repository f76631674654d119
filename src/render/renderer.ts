// The renderer: probe an original, plan, run the pipeline. The one entry point into sharp.

import type { EncoderConfig, RenderConfig } from '../config/load-config.js';
import { AppError } from '../errors.js';
import type { FormatChoice } from '../url/negotiate.js';
import type { OutputFormat, Ppoi, RenditionSpec } from '../url/rendition-spec.js';
import { decodeOnce, runPipeline } from './pipeline.js';
import {
  animatedFormatFor,
  animationPixelsOf,
  isAnimated,
  originalFormatFor,
  planRender,
  type RenderPlan,
  type SourceInfo,
} from './plan.js';
import { probeOriginal } from './probe.js';
import type { Watermark } from './watermark.js';
import type { ImageInput } from './image-input.js';

export interface RenderedImage {
  readonly body: Buffer;
  readonly format: OutputFormat;
  readonly width: number;
  readonly height: number;
}

/** One rendition of a batch. */
export interface RenderItem {
  readonly spec: RenditionSpec;
  readonly choice: FormatChoice;
}

export interface Renderer {
  render(
    input: ImageInput,
    spec: RenditionSpec,
    choice: FormatChoice,
    ppoi: Ppoi | undefined,
  ): Promise<RenderedImage>;
  /**
   * Renders several renditions of one original from a single decode (at the largest size
   * any of them needs). Each item settles on its own: one failed encode fails one item.
   */
  renderMany(
    input: ImageInput,
    items: readonly RenderItem[],
    ppoi: Ppoi | undefined,
  ): Promise<PromiseSettledResult<RenderedImage>[]>;
}

export function createRenderer(options: {
  render: RenderConfig;
  encoder: EncoderConfig;
  /** The `watermark` filter's mark (WATERMARK_IMAGE, loaded at start); undefined: refused. */
  watermark?: Watermark | undefined;
}): Renderer {
  const mark = options.watermark;
  /** `ppoi` undefined: the image has none, and a crop follows CROP_STRATEGY. */
  function plan(source: SourceInfo, item: RenderItem, ppoi: Ppoi | undefined): RenderPlan {
    const { choice, spec } = item;
    if (spec.filters.includes('watermark') && mark === undefined) throw watermarkNotConfigured();
    const format =
      choice.kind === 'original'
        ? originalFormatFor(source, spec.filters)
        : choice.kind === 'preferred'
          ? animatedFormatFor(source, spec.filters, choice.format)
          : choice.format;
    const planned = planRender(source, item.spec, format, ppoi, {
      upscale: options.render.upscale,
      cropUpscale: options.render.cropUpscale,
      thumbnailRounding: options.render.thumbnailRounding,
      encoder: options.encoder,
      maxOutput: options.render.maxOutput,
      cropStrategy: options.render.cropStrategy,
      ...(options.render.padBackground === undefined
        ? {}
        : { padBackground: options.render.padBackground }),
      ...(mark === undefined ? {} : { watermark: mark }),
    });
    if (planned.animation !== undefined) checkAnimationPixels(source, options.render);
    return planned;
  }

  const rendered = (body: Buffer, p: RenderPlan): RenderedImage => ({
    body,
    format: p.encoder.format,
    width: p.width,
    height: p.height,
  });

  return {
    async render(input, spec, choice, ppoi) {
      const source = await probeOriginal(input, options.render);
      const renderPlan = plan(source, { spec, choice }, ppoi);
      return rendered(await runPipeline(input, renderPlan, options.render, mark), renderPlan);
    },

    async renderMany(input, items, ppoi) {
      const source = await probeOriginal(input, options.render);
      if (isAnimated(source)) {
        // One decode shared is one frame shared: an animation's items each read the file.
        return Promise.allSettled(
          onceEach(
            items.map((item) => () => plan(source, item, ppoi)),
            async (p) => rendered(await runPipeline(input, p, options.render, mark), p),
          ),
        );
      }
      const plans = items.map((item) => plan(source, item, ppoi));
      // Plans resize the upright original; decode once at the largest size any of them needs.
      const scale = Math.max(
        ...plans.map((p) => (p.resize === undefined ? 1 : p.resize.width / source.width)),
      );
      const size =
        scale >= 1
          ? undefined
          : {
              width: Math.max(1, Math.round(source.width * scale)),
              height: Math.max(1, Math.round(source.height * scale)),
            };
      const decoded = await decodeOnce(input, size, options.render);
      return Promise.allSettled(
        onceEach(
          plans.map((p) => () => p),
          async (p) => rendered(await runPipeline(decoded, p, options.render, mark), p),
        ),
      );
    },
  };
}

/** Refuses to render every frame of an animation past MAX_ANIMATION_PIXELS, before decoding. */
function checkAnimationPixels(source: SourceInfo, limits: { maxAnimationPixels: number }): void {
  const pixels = animationPixelsOf(source);
  if (pixels <= limits.maxAnimationPixels) return;
  throw new AppError(
    'ANIMATION_TOO_LARGE',
    `Expected an animation of at most ${limits.maxAnimationPixels} pixels (frames x width x height) but it has ${pixels} (${source.frames} frames of ${source.width}x${source.height}); raise MAX_ANIMATION_PIXELS, or ask for its first frame with filters/still`,
  );
}

function watermarkNotConfigured(): AppError {
  return new AppError(
    'WATERMARK_NOT_CONFIGURED',
    'Expected WATERMARK_IMAGE to be set for filters/watermark but it is empty on this server; set WATERMARK_IMAGE to an image file, or drop watermark from the URL',
  );
}

/**
 * Runs `run` once per distinct plan: items whose plans are equal share one result. An
 * animated WebP original warms its AVIF stand-in, its WebP and its fallback (stored as
 * WebP) with one and the same plan: one render, three names. A plan that throws fails its
 * own item only.
 */
function onceEach(
  plans: readonly (() => RenderPlan)[],
  run: (plan: RenderPlan) => Promise<RenderedImage>,
): Promise<RenderedImage>[] {
  const byPlan = new Map<string, Promise<RenderedImage>>();
  return plans.map((planOf) => {
    let p: RenderPlan;
    try {
      p = planOf();
    } catch (error) {
      return Promise.reject(error);
    }
    // Plans are plain data: equal JSON, equal output.
    const key = JSON.stringify(p);
    const shared = byPlan.get(key);
    if (shared === undefined) {
      const result = run(p);
      byPlan.set(key, result);
      return result;
    }
    // A Buffer of its own over the same bytes: held renditions are told apart by Buffer
    // (their response headers are memoised per Buffer), and nothing is copied.
    return shared.then((image) => ({
      ...image,
      body: Buffer.from(image.body.buffer, image.body.byteOffset, image.body.length),
    }));
  });
}
