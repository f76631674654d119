// The renderer: probe an original, plan, run the pipeline. The one entry point into sharp.

import type { EncoderConfig, RenderConfig } from '../config/load-config.js';
import type { FormatChoice } from '../spec/negotiate.js';
import type { OutputFormat, Ppoi, RenditionSpec } from '../spec/rendition-spec.js';
import { runPipeline } from './pipeline.js';
import { fallbackFormatFor, planRender } from './plan.js';
import { probeOriginal } from './probe.js';

export interface RenderedImage {
  readonly body: Buffer;
  readonly format: OutputFormat;
  readonly width: number;
  readonly height: number;
}

export interface Renderer {
  render(
    file: string,
    spec: RenditionSpec,
    choice: FormatChoice,
    ppoi: Ppoi,
  ): Promise<RenderedImage>;
}

export function createRenderer(options: {
  render: RenderConfig;
  encoder: EncoderConfig;
}): Renderer {
  return {
    async render(file, spec, choice, ppoi) {
      const source = await probeOriginal(file, options.render);
      const format = choice.kind === 'fallback' ? fallbackFormatFor(source) : choice.format;
      const plan = planRender(source, spec, format, ppoi, {
        upscale: options.render.upscale,
        encoder: options.encoder,
      });
      const body = await runPipeline(file, plan, options.render);
      return { body, format, width: plan.width, height: plan.height };
    },
  };
}
