// The server's Prometheus metrics (prom-client; only this module imports it). One registry per
// server, so several servers in one process (the tests) never share or clash. The rest of the
// server sees plain interfaces: a RequestObserver, a Renderer wrapper and a scrape function.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheBudgetStats } from '../cache/cache-budget.js';
import { ERROR_STATUS } from '../errors.js';
import type { RequestObserver } from '../http/observe-requests.js';
import type { Renderer } from '../render/renderer.js';
import type { Outcome } from '../services/media-service.js';
import { OUTPUT_FORMATS, type RenditionSpec, SIZERS } from '../url/rendition-spec.js';

/** Read at scrape time (never on a request's path). */
export interface MetricsSources {
  /** The render queue: renders running and waiting. */
  readonly queue: { readonly active: number; readonly waiting: number };
  readonly registrySize: () => number;
  /** The CACHE_ROOT byte budget's index. */
  readonly cacheStats: () => CacheBudgetStats;
  readonly hotCacheBytes: () => number;
}

export interface MetricsOptions {
  readonly sources: MetricsSources;
  /** Node's process metrics (CPU, memory, event loop lag, GC); default true. */
  readonly processMetrics?: boolean;
}

export interface ServerMetrics extends RequestObserver {
  /** `renderer`, counting and timing every render it does. */
  observeRenderer(renderer: Renderer): Renderer;
  /** The Prometheus text exposition. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

const OUTCOMES: readonly Outcome[] = ['original', 'hit', 'miss', 'coalesced', 'shared'];

/** Render durations, in seconds: from a small thumbnail to a slow AVIF of a large original. */
const RENDER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The sizer label of a rendition: `thumbnail`, `crop`, or `none` for filters only. */
function sizerOf(spec: RenditionSpec): string {
  return spec.resize?.sizer ?? 'none';
}

export function createServerMetrics(options: MetricsOptions): ServerMetrics {
  const { sources } = options;
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const responses = new Counter({
    name: 'rendition_media_responses_total',
    help: 'Media requests Node answered, by outcome: hit (a cached rendition served by Node, not nginx), miss (rendered now), coalesced (joined a render under way), shared (copied from the object another node rendered, RENDITION_STORE=s3), original.',
    labelNames: ['outcome'],
    registers,
  });
  // One child per outcome, bound once: counting a hit costs no label hashing. Every series
  // starts at 0, so rate() sees its first increment.
  const byOutcome = new Map(OUTCOMES.map((outcome) => [outcome, responses.labels({ outcome })]));
  for (const child of byOutcome.values()) child.inc(0);

  const errors = new Counter({
    name: 'rendition_errors_total',
    help: 'Error responses, by error code.',
    labelNames: ['code'],
    registers,
  });
  for (const code of Object.keys(ERROR_STATUS)) errors.inc({ code }, 0);

  const renders = new Counter({
    name: 'rendition_renders_total',
    help: 'Renditions rendered, by sizer and output format.',
    labelNames: ['sizer', 'format'],
    registers,
  });
  for (const sizer of [...SIZERS, 'none']) {
    for (const format of OUTPUT_FORMATS) renders.inc({ sizer, format }, 0);
  }
  const renderFailures = new Counter({
    name: 'rendition_render_failures_total',
    help: 'Renditions that failed to render (unreadable or oversized originals, encoder errors).',
    registers,
  });
  const renderSeconds = new Histogram({
    name: 'rendition_render_seconds',
    help: 'Time of one rendition rendered for a request (probe, decode, resize, encode).',
    buckets: RENDER_BUCKETS,
    registers,
  });
  const warmSeconds = new Histogram({
    name: 'rendition_warm_batch_seconds',
    help: 'Time of one warm batch: every missing rendition of one original from a single decode.',
    buckets: RENDER_BUCKETS,
    registers,
  });

  /** A gauge read at scrape time. */
  function gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  }
  /** The cache budget's index, or nothing (0) before its first walk or with no budget. */
  function indexed(read: (stats: CacheBudgetStats) => number): () => number {
    return () => {
      const stats = sources.cacheStats();
      return stats.enabled && stats.ready ? read(stats) : 0;
    };
  }
  gauge('rendition_renders_in_flight', 'Renders running now.', () => sources.queue.active);
  gauge(
    'rendition_render_queue_length',
    'Renders waiting for a slot (RENDER_QUEUE bounds it).',
    () => sources.queue.waiting,
  );
  gauge('rendition_registered_images', 'Originals in the registry.', sources.registrySize);
  gauge(
    'rendition_cache_bytes',
    "Bytes of the files in CACHE_ROOT, from the cache budget's index (0 until its first walk has ended, or with CACHE_MAX_BYTES=0).",
    indexed((stats) => stats.bytes),
  );
  gauge(
    'rendition_cache_files',
    "Files in CACHE_ROOT, from the cache budget's index.",
    indexed((stats) => stats.files),
  );
  gauge(
    'rendition_cache_index_ready',
    "1 once the cache budget's index of CACHE_ROOT is built, 0 before (or with CACHE_MAX_BYTES=0).",
    indexed(() => 1),
  );
  gauge(
    'rendition_hot_cache_bytes',
    'Bytes of renditions held in memory (HOT_CACHE_BYTES bounds it).',
    sources.hotCacheBytes,
  );

  function rendered(spec: RenditionSpec, format: string): void {
    renders.inc({ sizer: sizerOf(spec), format });
  }

  return {
    served(outcome) {
      byOutcome.get(outcome)?.inc();
    },
    failed(code) {
      errors.inc({ code });
    },
    observeRenderer(renderer) {
      return {
        async render(file, spec, choice, ppoi) {
          const end = renderSeconds.startTimer();
          try {
            const image = await renderer.render(file, spec, choice, ppoi);
            end();
            rendered(spec, image.format);
            return image;
          } catch (error) {
            renderFailures.inc();
            throw error;
          }
        },
        async renderMany(file, items, ppoi) {
          const end = warmSeconds.startTimer();
          try {
            const results = await renderer.renderMany(file, items, ppoi);
            end();
            results.forEach((result, index) => {
              const item = items[index];
              if (result.status === 'rejected') renderFailures.inc();
              else if (item !== undefined) rendered(item.spec, result.value.format);
            });
            return results;
          } catch (error) {
            renderFailures.inc(items.length);
            throw error;
          }
        },
      };
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
