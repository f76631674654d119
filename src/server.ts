// Composition root of the HTTP server. `startServer` reads as its five steps: prepare the
// roots, open the registry, wire the parts, listen, and hand back a way to shut down.

import { mkdir, realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { cleanTempFiles } from './cache/atomic-write.js';
import { type CacheBudget, createCacheBudget } from './cache/cache-budget.js';
import { purgeCropsOnStrategyChange } from './cache/crop-purge.js';
import { purgeGeometryOnChange } from './cache/geometry-purge.js';
import { createHotCache } from './cache/hot-cache.js';
import {
  createRenditionCache,
  type HeldRendition,
  type RenditionCache,
} from './cache/rendition-cache.js';
import { purgeWatermarksOnChange } from './cache/watermark-purge.js';
import { createPurgeWebhook, type PurgeWebhook } from './cdn/purge-webhook.js';
import { type Config, rootsOverlap } from './config/load-config.js';
import { type FetchSourceOptions, fetchSource } from './fetch/fetch-source.js';
import { createApp } from './http/app.js';
import { answerClientError } from './http/client-error.js';
import type { ErrorLogger } from './http/error-response.js';
import { createLogger, type Logger } from './log/logger.js';
import { createServerMetrics } from './metrics/server-metrics.js';
import { openConfiguredOriginals } from './originals/open-originals.js';
import type { OriginalsStore } from './originals/originals-store.js';
import { type OpenedRegistry, openConfiguredRegistry } from './registry/open-registry.js';
import { explicitPpoiOf, type NodeSync, type Registry } from './registry/registry.js';
import { gatedQueue } from './render/gated-queue.js';
import { createRenderQueue, type RenderQueue } from './render/queue.js';
import { createRenderer } from './render/renderer.js';
import { configureSharp } from './render/sharp-setup.js';
import { loadWatermark, NO_WATERMARK, type Watermark } from './render/watermark.js';
import { type AdminToken, resolveAdminToken } from './services/admin-token.js';
import { withFallbackImage } from './services/fallback-image.js';
import { createHealthCheck } from './services/health-check.js';
import { createImageInfo } from './services/image-info.js';
import { createImageService, type ImageService } from './services/image-service.js';
import { createMediaService, type MediaService } from './services/media-service.js';
import {
  type OpenedSharedRenditions,
  openSharedRenditions,
} from './services/open-shared-renditions.js';
import { withPublishedPurges } from './services/published-purges.js';
import { createRegistrationIntents, finishIntents } from './services/registration-intents.js';
import { withRenditionHints } from './services/rendition-hints.js';
import { type SharedRenditions, withSharedWarms } from './services/shared-renditions.js';
import { createWarmJobs, type WarmJobs } from './services/warm-jobs.js';

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly adminToken: AdminToken;
  /** The Hono application it serves (its `routes`, or `request()` without a socket). */
  readonly app: ReturnType<typeof createApp>;
  /**
   * Graceful shutdown: stops accepting, lets in-flight requests, renders, jobs and registry
   * writes finish within SHUTDOWN_TIMEOUT_MS (then cuts them), removes this process's temp
   * files, closes the registry. Resolves `drained: false` when the deadline cut work.
   */
  close(): Promise<ShutdownReport>;
}

/** What a running server is made of: for tests and for `rendition serve`'s start lines. */
export interface ServerParts {
  readonly media: MediaService;
  /** Renditions: held, on disk, rendered once; purged with their originals. */
  readonly cache: RenditionCache;
  readonly images: ImageService;
  readonly jobs: WarmJobs;
  readonly registry: Registry;
  /** Where originals live: MEDIA_ROOT (or, with ORIGINALS_STORE=s3, a bucket). */
  readonly originals: OriginalsStore;
  /** The CACHE_ROOT byte budget: its index is rebuilt in the background after listening. */
  readonly cacheBudget: CacheBudget;
  /** The bounded render queue: renders, probes and upload validation take its slots. */
  readonly queue: RenderQueue;
  /** Upload validation and placeholder backfill: VALIDATE_CONCURRENCY, then a render slot. */
  readonly decodes: RenderQueue;
  readonly logger: Logger;
  /** PURGE_WEBHOOK_URL's client, when set: told of every purge this node makes. */
  readonly cdn: PurgeWebhook | undefined;
  /** RENDITION_STORE=s3: the shared objects and their render locks; undefined otherwise. */
  readonly sharing: OpenedSharedRenditions | undefined;
}

export interface ShutdownReport {
  /** True when everything under way finished before the deadline. */
  readonly drained: boolean;
}

export interface StartOptions {
  /** Also told of every unexpected error (each a 500 or a failed background step). */
  readonly logError?: ErrorLogger;
  /** Replaces the JSON logger on stdout built from LOG_LEVEL. */
  readonly logger?: Logger;
  /** Node's process metrics in /metrics (default true; they start process-wide monitors). */
  readonly processMetrics?: boolean;
  /** Replaces the DNS resolver of URL fetching (tests: never leave 127.0.0.0/8). */
  readonly lookup?: FetchSourceOptions['lookup'];
}

/** Creates the roots, cleans temp files left by a killed process, opens the registry, listens. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const { parts: _, ...server } = await startServerWithParts(config, options);
  return server;
}

/** A running server with the parts it wired: for tests and `rendition serve`. */
export type ServerWithParts = RunningServer & { readonly parts: ServerParts };

/** `startServer`, with the parts it wired as `parts`. */
export async function startServerWithParts(
  config: Config,
  options: StartOptions = {},
): Promise<ServerWithParts> {
  // Read and checked before anything starts: a bad WATERMARK_IMAGE stops the start.
  const watermark = await loadWatermark(config.watermark);
  const roots = await prepareRoots(config, watermark?.stamp ?? NO_WATERMARK);
  configureSharp(config.render.inputFormats);
  const logging = createLogging(config, options);
  const opened = await openConfiguredRegistry(config.registry, roots.data, (error) =>
    logging.logger.warn({ err: error }, 'registry: PostgreSQL connection trouble (retrying)'),
  );
  let wired: Wired;
  let listener: NodeServer;
  try {
    wired = await wire(config, roots, logging, opened, options, watermark);
    listener = await listen(wired.app, config);
  } catch (error) {
    await opened.registry.close();
    throw error;
  }
  // Walks CACHE_ROOT in the background; nothing is evicted until the walk has ended.
  wired.parts.cacheBudget.start();
  const { port } = listener.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return {
    url: `http://${host}:${port}`,
    port,
    adminToken: wired.adminToken,
    app: wired.app,
    close: shutdownOf(listener, wired, roots, config),
    parts: wired.parts,
  };
}

/** Real (symlink-resolved) roots; DATA_DIR as configured, since the lock names it. */
interface Roots {
  readonly media: string;
  readonly cache: string;
  readonly data: string;
}

/** Step 1: the roots exist, do not overlap by real path, and hold no leftovers of a crash. */
async function prepareRoots(config: Config, watermarkStamp: string): Promise<Roots> {
  const { mediaRoot, cacheRoot, dataDir } = config.roots;
  for (const dir of [mediaRoot, cacheRoot, dataDir]) await mkdir(dir, { recursive: true });
  const roots = {
    media: await realpath(mediaRoot),
    cache: await realpath(cacheRoot),
    data: dataDir,
  };
  // Compared again by real path: a DATA_DIR symlinked into MEDIA_ROOT served the admin token,
  // and a CACHE_ROOT symlinked to MEDIA_ROOT had its originals evicted.
  const overlap = rootsOverlap({
    mediaRoot: roots.media,
    cacheRoot: roots.cache,
    dataDir: await realpath(dataDir),
  });
  if (overlap !== undefined) throw new Error(`${overlap} (compared with symlinks resolved)`);
  await cleanTempFiles(roots.cache);
  await cleanTempFiles(roots.media);
  await purgeCropsOnStrategyChange({
    cacheRoot: roots.cache,
    dataDir,
    strategy: config.render.cropStrategy,
  });
  await purgeWatermarksOnChange({ cacheRoot: roots.cache, dataDir, stamp: watermarkStamp });
  await purgeGeometryOnChange({ cacheRoot: roots.cache, dataDir, config: config.render });
  return roots;
}

interface Logging {
  readonly logger: Logger;
  /** An unexpected error while answering a request (a 500). */
  readonly logError: ErrorLogger;
  /** A background step that failed; the server goes on. */
  readonly logFailure: (error: unknown, message: string, file: string) => void;
}

function createLogging(config: Config, options: StartOptions): Logging {
  const logger = options.logger ?? createLogger({ level: config.log.level });
  return {
    logger,
    logError(error, context) {
      logger.error({ err: error, ...context }, 'unexpected error');
      options.logError?.(error, context);
    },
    logFailure(error, message, file) {
      logger.error({ err: error, file }, message);
      options.logError?.(error, { method: '-', path: file });
    },
  };
}

interface Wired {
  readonly parts: ServerParts;
  readonly app: ReturnType<typeof createApp>;
  readonly adminToken: AdminToken;
  readonly queue: RenderQueue;
  /** Set while shutting down: /healthz answers 503 so load balancers stop sending. */
  readonly state: { draining: boolean; registryOpen: boolean };
}

/** Step 3: every part built from the config, leaves first, and the app around them. */
async function wire(
  config: Config,
  roots: Roots,
  { logger, logError, logFailure }: Logging,
  { registry, sync, jobs: jobTable }: OpenedRegistry,
  options: StartOptions,
  watermark: Watermark | undefined,
): Promise<Wired> {
  const adminToken = await resolveAdminToken(config.admin.token, roots.data);
  const queue = createRenderQueue({
    concurrency: config.render.concurrency,
    queueLimit: config.render.queueLimit,
  });
  const hotCache = createHotCache<HeldRendition>({
    maxBytes: config.hotCache.maxBytes,
    maxFileBytes: config.hotCache.maxFileBytes,
  });
  const cacheBudget = createCacheBudget({
    cacheRoot: roots.cache,
    limits: config.cacheBudget,
    hotCache,
    onError: (error) => logFailure(error, 'cache budget: walk or eviction failed', roots.cache),
  });
  const metrics = createServerMetrics({
    sources: {
      queue,
      registrySize: () => registry.size,
      cacheStats: () => cacheBudget.stats(),
      hotCacheBytes: () => hotCache.bytes,
    },
    processMetrics: options.processMetrics ?? true,
  });
  const cache = createRenditionCache({
    cacheRoot: roots.cache,
    hotFileBytes: config.hotCache.maxFileBytes,
    // Hits counted for the byte budget's least-recently-used order.
    hotCache: cacheBudget.trackUses(hotCache),
    renderer: metrics.observeRenderer(
      createRenderer({ render: config.render, encoder: config.encoder, watermark }),
    ),
    queue,
    ppoiFor: (path) => explicitPpoiOf(registry.get(path)),
    timeoutMs: config.render.timeoutMs,
    onWriteError: (error, relative) =>
      logFailure(error, 'rendition not cached (answered from memory)', relative),
    cacheChanges: cacheBudget,
  });
  const { webhook } = config.cdn;
  const cdn =
    webhook === undefined
      ? undefined
      : createPurgeWebhook({
          ...webhook,
          timeoutMs: config.admin.fetchTimeoutMs,
          onFailure: ({ keys, reason, attempt, final }) => {
            if (final) {
              logger.error(
                { keys, attempt },
                `CDN purge lost: ${reason}; the CDN keeps these keys until their max-age`,
              );
            } else logger.warn({ keys, attempt }, `CDN purge failed, will retry: ${reason}`);
          },
        });
  // Set once the originals store is open (its versions are the shared objects' versions);
  // no purge runs before that.
  let sharing: OpenedSharedRenditions | undefined;
  const purges = withPublishedPurges(cache, sync, cdn, (path, which) =>
    sharing?.shared.purge(path, which),
  );
  const originals = await openConfiguredOriginals(config.originals, {
    mediaRoot: roots.media,
    cacheRoot: roots.cache,
    dataDir: roots.data,
    maxBytes: config.admin.maxSourceBytes,
    timeoutMs: config.admin.fetchTimeoutMs,
    // Replaced or deleted in the bucket behind our back: no node serves its renditions.
    onChanged: (path) => purges.purge(path, 'all'),
    onError: (error, message) => logFailure(error, message, '-'),
  });
  sharing = openSharedRenditions(config, {
    registry,
    originals,
    cache,
    cacheRoot: roots.cache,
    watermarkStamp: watermark?.stamp ?? NO_WATERMARK,
    onError: (error, message) => logFailure(error, message, '-'),
  });
  // Other nodes' deletes, replaces and PPOI changes since this node last ran: applied before
  // it serves (a no-op on lowdb).
  await sync.follow({
    purge: (path, scope) => {
      // Deleted or replaced there: this node's local copy of the original is old too.
      if (scope === 'all') originals.forget(path);
      return cache.purge(path, scope);
    },
    purgeEverything: () => cache.purgeEverything(),
  });
  // Registrations a stopped process placed but did not record: finished before serving.
  for (const { path, outcome } of await finishIntents(roots.data, {
    registry,
    originals,
    copies: purges,
  })) {
    if (outcome === 'recorded') {
      logger.warn(
        { path },
        'registration finished at start-up (the last process stopped before recording it)',
      );
    }
  }
  const media = createMedia(config, {
    registry,
    sync,
    cache,
    originals,
    ...(sharing === undefined ? {} : { shared: sharing.shared }),
  });
  // Whole-original decodes: VALIDATE_CONCURRENCY at a time, each in a render slot.
  const decodes = gatedQueue(
    createRenderQueue({
      concurrency: config.render.validateConcurrency,
      queueLimit: config.render.queueLimit,
    }),
    queue,
  );
  const images = createImageService({
    registry,
    originals,
    intents: createRegistrationIntents(roots.data),
    cache: sharing === undefined ? purges : withSharedWarms(purges, sharing.shared),
    mediaUrl: config.http.mediaUrl,
    keySets: config.keySets,
    preferredFormats: config.negotiation.preferred,
    render: config.render,
    admin: config.admin,
    queue: decodes,
    checkInStep: () => sync.checkInStep(),
    fetchSource: (url, destination) =>
      fetchSource(url, destination, {
        maxBytes: config.admin.maxSourceBytes,
        timeoutMs: config.admin.fetchTimeoutMs,
        allowCidrs: config.admin.fetchAllowCidrs,
        ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
      }),
  });
  const jobs = createWarmJobs({
    concurrency: config.admin.warmConcurrency,
    ...(jobTable === undefined
      ? {}
      : {
          table: jobTable,
          heartbeatMs: config.registry.heartbeatMs,
          knowsKeySet: (keySet: string) => Object.hasOwn(config.keySets, keySet),
          onError: (error: unknown) => logFailure(error, 'warm jobs: PostgreSQL write failed', '-'),
        }),
    async warmOne(path, keySet) {
      const summary = (await images.warm(path, [keySet]))[keySet];
      const first = summary?.failed[0];
      if (summary === undefined || first === undefined) return { created: summary?.created ?? 0 };
      const message = `${summary.failed.length} renditions failed: ${first.error.message}`;
      return { created: summary.created, error: { code: first.error.code, message } };
    },
  });
  const state = { draining: false, registryOpen: true };
  const app = createApp({
    mediaUrl: config.http.mediaUrl,
    cacheMaxAge: config.http.cacheMaxAge,
    media,
    info: createImageInfo({
      registry,
      originals,
      limits: config.render,
      queue,
      read: (path) => images.read(path),
      requireRegistration: config.admin.requireRegistration,
    }),
    admin: {
      token: adminToken.token,
      images,
      jobs,
      keySets: config.keySets,
      maxSourceBytes: config.admin.maxSourceBytes,
      json: config.admin.json,
      tempFile: () => originals.tempFile(),
      allPaths: () => registry.paths(),
    },
    logError,
    ops: {
      health: createHealthCheck({
        roots: { mediaRoot: roots.media, cacheRoot: roots.cache, dataDir: roots.data },
        originals: () => originals.health(),
        registry: () => (state.registryOpen ? sync.state() : 'not loaded'),
        draining: () => state.draining,
      }),
      metrics: {
        scrape: () => metrics.scrape(),
        ...(config.metrics.requireToken ? { token: adminToken.token } : {}),
      },
    },
    observe: {
      observer: metrics,
      ...(config.log.accessLog && logger.isLevelEnabled('info')
        ? { accessLog: (line) => logger.info(line, 'request') }
        : {}),
    },
    // Off (no query parsing on the hit path) unless SIGNING_KEYS is set.
    ...(config.signing.keys.length > 0
      ? { signing: { keys: config.signing.keys, sizes: config.sizes } }
      : {}),
    ...(config.cdn.surrogateKeyHeader === undefined
      ? {}
      : { surrogateKeyHeader: config.cdn.surrogateKeyHeader }),
  });
  return {
    parts: {
      media,
      cache,
      images,
      jobs,
      registry,
      originals,
      cacheBudget,
      queue,
      decodes,
      logger,
      cdn,
      sharing,
    },
    app,
    adminToken,
    queue,
    state,
  };
}

/** The media service: originals and renditions, with the fallback image when one is set. */
function createMedia(
  config: Config,
  parts: {
    registry: Registry;
    sync: NodeSync;
    cache: RenditionCache;
    originals: OriginalsStore;
    shared?: SharedRenditions;
  },
): MediaService {
  const { registry, sync, originals } = parts;
  const media = createMediaService({
    originals,
    preferredFormats: config.negotiation.preferred,
    sizes: config.sizes,
    cache: parts.cache,
    ...(parts.shared === undefined ? {} : { shared: parts.shared }),
    checkInStep: () => sync.checkInStep(),
    ...(config.admin.requireRegistration
      ? {
          // The fallback image renders even unregistered: it stands in for missing originals.
          isRenderable: (path: string) =>
            path === config.fallback.image || registry.get(path) !== undefined,
        }
      : {}),
  });
  // A misspelt rendition of an existing original: 400 with the canonical URL, not 404.
  const hinted = withRenditionHints(media, {
    mediaUrl: config.http.mediaUrl,
    originalExists: async (path) =>
      (await originals.isOriginal(path)) &&
      (!config.admin.requireRegistration || registry.get(path) !== undefined),
  });
  const { fallback } = config;
  return fallback.image === undefined
    ? hinted
    : withFallbackImage(hinted, { path: fallback.image, status: fallback.status });
}

type NodeServer = ReturnType<typeof serve>;

/** Step 4: bound and listening, or the bind error. */
function listen(app: Wired['app'], config: Config): Promise<NodeServer> {
  return new Promise<NodeServer>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, hostname: config.server.host, port: config.server.port },
      () => resolve(started),
    );
    started.once('error', reject);
    // Parse errors (a raw UTF-8 target, oversized headers) answer JSON, as nginx does.
    started.on('clientError', answerClientError);
  });
}

/** Step 5: the server's `close()`: drain within the deadline, then release everything once. */
function shutdownOf(
  listener: NodeServer,
  { parts, queue, state }: Wired,
  roots: Roots,
  config: Config,
): () => Promise<ShutdownReport> {
  const { timeoutMs } = config.shutdown;
  async function shutdown(): Promise<ShutdownReport> {
    state.draining = true;
    const drained = await drain(listener, timeoutMs, async () => {
      await parts.jobs.stop();
      await queue.idle();
    });
    if (!drained) {
      if ('closeAllConnections' in listener) listener.closeAllConnections();
      parts.logger.warn(
        { timeoutMs, rendersRunning: queue.active },
        'shutdown deadline passed: in-flight requests were cut',
      );
    }
    await parts.cacheBudget.close();
    // CDN purges still gathering: sent now, once, rather than lost with the process.
    await parts.cdn?.flush();
    await parts.sharing?.close();
    await parts.originals.close();
    state.registryOpen = false;
    await parts.registry.close();
    // Anything this process left half-written (only possible when the deadline cut work).
    await cleanTempFiles(roots.cache);
    await cleanTempFiles(roots.media);
    parts.logger.flush();
    return { drained };
  }
  let closing: Promise<ShutdownReport> | undefined;
  return () => {
    closing ??= shutdown();
    return closing;
  };
}

/** Stops accepting and waits for what is under way; false if the deadline came first. */
async function drain(
  listener: NodeServer,
  deadlineMs: number,
  finishWork: () => Promise<void>,
): Promise<boolean> {
  const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
  // Keep-alive connections with no request in flight would hold close() open, and so do
  // those whose request ends during the drain: close them as they go idle.
  const sweep = setInterval(() => closeIdle(listener), 50);
  closeIdle(listener);
  const deadline = new AbortController();
  const work = (async () => {
    await closed;
    await finishWork();
    return true;
  })();
  try {
    return await Promise.race([
      work,
      sleep(deadlineMs, false, { signal: deadline.signal }).catch(() => false),
    ]);
  } finally {
    deadline.abort();
    clearInterval(sweep);
  }
}

function closeIdle(listener: NodeServer): void {
  if ('closeIdleConnections' in listener) listener.closeIdleConnections();
}
