// Composition root of the HTTP server: build every dependency from the config and listen.

import { mkdir, realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { cleanTempFiles } from './cache/atomic-write.js';
import { type CacheBudget, createCacheBudget } from './cache/cache-budget.js';
import { purgeCropsOnStrategyChange } from './cache/crop-purge.js';
import { createHotCache } from './cache/hot-cache.js';
import { type Config, rootsOverlap } from './config/load-config.js';
import { createApp } from './http/app.js';
import type { ErrorLogger } from './http/error-response.js';
import { createLogger, type Logger } from './log/logger.js';
import { type FetchSourceOptions, fetchSource } from './media/fetch-source.js';
import { createOriginals, originalFile } from './media/originals.js';
import { createServerMetrics } from './metrics/server-metrics.js';
import { openConfiguredRegistry } from './registry/open-registry.js';
import { explicitPpoiOf, type Registry } from './registry/registry.js';
import { createRenderQueue } from './render/queue.js';
import { createRenderer } from './render/renderer.js';
import { configureSharp } from './render/sharp-setup.js';
import { type AdminToken, resolveAdminToken } from './services/admin-token.js';
import { createHealthCheck } from './services/health-check.js';

import { withFallbackImage } from './services/fallback-image.js';
import { withRenditionHints } from './services/rendition-hints.js';
import { createImageInfo } from './services/image-info.js';
import { createImageService, type ImageService } from './services/image-service.js';
import { createMediaService, type MediaService } from './services/media-service.js';
import { createRenditionStore, type RenditionStore } from './services/rendition-store.js';
import { withPublishedPurges } from './services/published-purges.js';
import { createWarmJobs, type WarmJobs } from './services/warm-jobs.js';

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly adminToken: AdminToken;
  readonly media: MediaService;
  readonly store: RenditionStore;
  readonly images: ImageService;
  readonly jobs: WarmJobs;
  readonly registry: Registry;
  /** The CACHE_ROOT byte budget: its index is rebuilt in the background after listening. */
  readonly cacheBudget: CacheBudget;
  readonly logger: Logger;
  /** The Hono application it serves (its `routes`, or `request()` without a socket). */
  readonly app: ReturnType<typeof createApp>;
  /**
   * Graceful shutdown: stops accepting, lets in-flight requests, renders, jobs and registry
   * writes finish within SHUTDOWN_TIMEOUT_MS (then cuts them), removes this process's temp
   * files, closes the registry. Resolves `drained: false` when the deadline cut work.
   */
  close(): Promise<ShutdownReport>;
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
  const { mediaRoot, cacheRoot, dataDir } = config.roots;
  for (const dir of [mediaRoot, cacheRoot, dataDir]) await mkdir(dir, { recursive: true });
  const realMediaRoot = await realpath(mediaRoot);
  const realCacheRoot = await realpath(cacheRoot);
  // Compared again by real path: a DATA_DIR symlinked into MEDIA_ROOT served the admin token,
  // and a CACHE_ROOT symlinked to MEDIA_ROOT had its originals evicted.
  const overlap = rootsOverlap({
    mediaRoot: realMediaRoot,
    cacheRoot: realCacheRoot,
    dataDir: await realpath(dataDir),
  });
  if (overlap !== undefined) throw new Error(`${overlap} (compared with symlinks resolved)`);
  await cleanTempFiles(realCacheRoot);
  await cleanTempFiles(realMediaRoot);
  await purgeCropsOnStrategyChange({
    cacheRoot: realCacheRoot,
    dataDir,
    strategy: config.render.cropStrategy,
  });
  configureSharp(config.render.inputFormats);
  const logger = options.logger ?? createLogger({ level: config.log.level });
  const logError: ErrorLogger = (error, context) => {
    logger.error({ err: error, ...context }, 'unexpected error');
    options.logError?.(error, context);
  };
  /** A background step that failed; the server goes on. */
  const logFailure = (error: unknown, message: string, file: string) => {
    logger.error({ err: error, file }, message);
    options.logError?.(error, { method: '-', path: file });
  };
  const { registry, sync } = await openConfiguredRegistry(config.registry, dataDir, (error) =>
    logger.warn({ err: error }, 'registry: PostgreSQL connection trouble (retrying)'),
  );
  const adminToken = await resolveAdminToken(config.admin.token, dataDir);

  const queue = createRenderQueue({
    concurrency: config.render.concurrency,
    queueLimit: config.render.queueLimit,
  });
  const hotCache = createHotCache({
    maxBytes: config.hotCache.maxBytes,
    maxFileBytes: config.hotCache.maxFileBytes,
  });
  const cacheBudget = createCacheBudget({
    cacheRoot: realCacheRoot,
    limits: config.cacheBudget,
    hotCache,
    onError: (error) => logFailure(error, 'cache budget: walk or eviction failed', realCacheRoot),
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
  const store = createRenditionStore({
    cacheRoot: realCacheRoot,
    renderer: metrics.observeRenderer(
      createRenderer({ render: config.render, encoder: config.encoder }),
    ),
    queue,
    hotCache,
    ppoiFor: (path) => explicitPpoiOf(registry.get(path)),
    timeoutMs: config.render.timeoutMs,
    onWriteError: (error, relative) =>
      logFailure(error, 'rendition not cached (answered from memory)', relative),
    cacheChanges: cacheBudget,
  });
  // Other nodes' deletes, replaces and PPOI changes since this node last ran: applied before
  // it serves (a no-op on lowdb).
  await sync
    .follow({
      purge: (path, scope) => store.purge(path, scope),
      purgeEverything: () => store.purgeEverything(),
    })
    .catch(async (error: unknown) => {
      await registry.close();
      throw error;
    });
  const renditions = createMediaService({
    mediaRoot: realMediaRoot,
    cacheRoot: realCacheRoot,
    preferredFormats: config.negotiation.preferred,
    sizes: config.sizes,
    hotFileBytes: config.hotCache.maxFileBytes,
    hotCache: cacheBudget.trackUses(hotCache),
    store,
    checkInStep: () => sync.checkInStep(),
    ...(config.admin.requireRegistration
      ? {
          // The fallback image renders even unregistered: it stands in for missing originals.
          isRenderable: (path: string) =>
            path === config.fallback.image || registry.get(path) !== undefined,
        }
      : {}),
  });
  const hinted = withRenditionHints(renditions, {
    mediaUrl: config.http.mediaUrl,
    originalExists: (path) =>
      originalFile(realMediaRoot, path).then(
        () => !config.admin.requireRegistration || registry.get(path) !== undefined,
        () => false,
      ),
  });
  const { fallback } = config;
  const media =
    fallback.image === undefined
      ? hinted
      : withFallbackImage(hinted, { path: fallback.image, status: fallback.status });
  const originals = createOriginals(realMediaRoot);
  const images = createImageService({
    registry,
    originals,
    store: withPublishedPurges(store, sync),
    mediaRoot: realMediaRoot,
    mediaUrl: config.http.mediaUrl,
    keySets: config.keySets,
    preferredFormats: config.negotiation.preferred,
    render: config.render,
    admin: config.admin,
    queue,
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
    async warmOne(path, keySet) {
      const summary = (await images.warm(path, [keySet]))[keySet];
      const first = summary?.failed[0];
      if (summary === undefined || first === undefined) return { created: summary?.created ?? 0 };
      const message = `${summary.failed.length} renditions failed: ${first.error.message}`;
      return { created: summary.created, error: { code: first.error.code, message } };
    },
  });
  let draining = false;
  let registryOpen = true;

  const info = createImageInfo({
    registry,
    mediaRoot: realMediaRoot,
    limits: config.render,
    queue,
    read: (path) => images.read(path),
    requireRegistration: config.admin.requireRegistration,
  });
  const app = createApp({
    mediaUrl: config.http.mediaUrl,
    cacheMaxAge: config.http.cacheMaxAge,
    media,
    info,
    admin: {
      token: adminToken.token,
      images,
      jobs,
      keySets: config.keySets,
      maxSourceBytes: config.admin.maxSourceBytes,
      tempFile: () => originals.tempFile(),
      allPaths: () => registry.paths(),
    },
    logError,
    ops: {
      health: createHealthCheck({
        roots: { mediaRoot: realMediaRoot, cacheRoot: realCacheRoot, dataDir },
        registry: () => (registryOpen ? sync.state() : 'not loaded'),
        draining: () => draining,
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
  });

  let server: ReturnType<typeof serve>;
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const started = serve(
        { fetch: app.fetch, hostname: config.server.host, port: config.server.port },
        () => resolve(started),
      );
      started.once('error', reject);
    });
  } catch (error) {
    await registry.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  // Walks CACHE_ROOT in the background; nothing is evicted until the walk has ended.
  cacheBudget.start();
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;

  /** Stops accepting and waits for what is under way; false if the deadline came first. */
  async function drain(deadlineMs: number): Promise<boolean> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections with no request in flight would hold close() open, and so do
    // those whose request ends during the drain: close them as they go idle.
    const sweep = setInterval(() => closeIdle(server), 50);
    closeIdle(server);
    const deadline = new AbortController();
    const work = (async () => {
      await closed;
      await jobs.stop();
      await queue.idle();
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

  let closing: Promise<ShutdownReport> | undefined;
  async function shutdown(): Promise<ShutdownReport> {
    draining = true;
    const drained = await drain(config.shutdown.timeoutMs);
    if (!drained) {
      if ('closeAllConnections' in server) server.closeAllConnections();
      logger.warn(
        { timeoutMs: config.shutdown.timeoutMs, rendersRunning: queue.active },
        'shutdown deadline passed: in-flight requests were cut',
      );
    }
    await cacheBudget.close();
    registryOpen = false;
    await registry.close();
    // Anything this process left half-written (only possible when the deadline cut work).
    await cleanTempFiles(realCacheRoot);
    await cleanTempFiles(realMediaRoot);
    logger.flush();
    return { drained };
  }

  return {
    url: `http://${host}:${port}`,
    port,
    adminToken,
    media,
    store,
    images,
    jobs,
    registry,
    cacheBudget,
    logger,
    app,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}

function closeIdle(server: ReturnType<typeof serve>): void {
  if ('closeIdleConnections' in server) server.closeIdleConnections();
}
