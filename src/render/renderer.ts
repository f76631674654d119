// The renderer: probe an original, plan, run the pipeline. The one entry point into sharp.

import type { EncoderConfig, RenderConfig } from '../config/load-config.js';
import type { FormatChoice } from '../url/negotiate.js';
import type { OutputFormat, Ppoi, RenditionSpec } from '../url/rendition-spec.js';
import { decodeOnce, runPipeline } from './pipeline.js';
import { originalFormatFor, planRender, type RenderPlan, type SourceInfo } from './plan.js';
import { probeOriginal } from './probe.js';

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
    file: string,
    spec: RenditionSpec,
    choice: FormatChoice,
    ppoi: Ppoi | undefined,
  ): Promise<RenderedImage>;
  /**
   * Renders several renditions of one original from a single decode (at the largest size
   * any of them needs). Each item settles on its own: one failed encode fails one item.
   */
  renderMany(
    file: string,
    items: readonly RenderItem[],
    ppoi: Ppoi | undefined,
  ): Promise<PromiseSettledResult<RenderedImage>[]>;
}

export function createRenderer(options: {
  render: RenderConfig;
  encoder: EncoderConfig;
}): Renderer {
  /** `ppoi` undefined: the image has none, and a crop follows CROP_STRATEGY. */
  function plan(source: SourceInfo, item: RenderItem, ppoi: Ppoi | undefined): RenderPlan {
    const format = item.choice.kind === 'original' ? originalFormatFor(source) : item.choice.format;
    return planRender(source, item.spec, format, ppoi, {
      upscale: options.render.upscale,
      cropUpscale: options.render.cropUpscale,
      thumbnailRounding: options.render.thumbnailRounding,
      encoder: options.encoder,
      maxOutput: options.render.maxOutput,
      cropStrategy: options.render.cropStrategy,
      ...(options.render.padBackground === undefined
        ? {}
        : { padBackground: options.render.padBackground }),
    });
  }

  const rendered = (body: Buffer, p: RenderPlan): RenderedImage => ({
    body,
    format: p.encoder.format,
    width: p.width,
    height: p.height,
  });

  return {
    async render(file, spec, choice, ppoi) {
      const source = await probeOriginal(file, options.render);
      const renderPlan = plan(source, { spec, choice }, ppoi);
      return rendered(await runPipeline(file, renderPlan, options.render), renderPlan);
    },

    async renderMany(file, items, ppoi) {
      const source = await probeOriginal(file, options.render);
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
      const decoded = await decodeOnce(file, size, options.render);
      return Promise.allSettled(
        plans.map(async (p) => rendered(await runPipeline(decoded, p, options.render), p)),
      );
    },
  };
}
