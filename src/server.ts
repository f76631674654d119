// Composition root of the HTTP server: build every dependency from the config and listen.

import { mkdir, realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { cleanTempFiles } from './cache/atomic-write.js';
import { type CacheBudget, createCacheBudget } from './cache/cache-budget.js';
import { createHotCache } from './cache/hot-cache.js';
import type { Config } from './config/load-config.js';
import { createApp } from './http/app.js';
import { type FetchSourceOptions, fetchSource } from './media/fetch-source.js';
import { createOriginals } from './media/originals.js';
import { openRegistry } from './registry/lowdb-registry.js';
import type { Registry } from './registry/registry.js';
import { createRenderQueue } from './render/queue.js';
import { createRenderer } from './render/renderer.js';
import { configureSharp } from './render/sharp-setup.js';
import { type AdminToken, resolveAdminToken } from './services/admin-token.js';
import { createImageService, type ImageService } from './services/image-service.js';
import { createMediaService, type MediaService } from './services/media-service.js';
import { createRenditionStore, type RenditionStore } from './services/rendition-store.js';
import { createWarmJobs, type WarmJobs } from './services/warm-jobs.js';
import { CENTRE } from './spec/rendition-spec.js';

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
  /** Stops accepting, lets in-flight renders, jobs and registry writes finish, then resolves. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logError?: (error: unknown, context: { method: string; path: string }) => void;
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
  await cleanTempFiles(realCacheRoot);
  await cleanTempFiles(realMediaRoot);
  configureSharp(config.render.inputFormats);
  const logError =
    options.logError ??
    ((error: unknown, context: { method: string; path: string }) =>
      console.error(`${context.method} ${context.path}: unexpected error`, error));
  const registry = await openRegistry({ dataDir });
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
    onError: (error) => logError(error, { method: 'EVICT', path: realCacheRoot }),
  });
  const store = createRenditionStore({
    cacheRoot: realCacheRoot,
    renderer: createRenderer({ render: config.render, encoder: config.encoder }),
    queue,
    hotCache,
    ppoiFor: (path) => registry.get(path)?.ppoi ?? CENTRE,
    timeoutMs: config.render.timeoutMs,
    onWriteError: (error, relative) => logError(error, { method: 'WRITE', path: relative }),
    cacheChanges: cacheBudget,
  });
  const media = createMediaService({
    mediaRoot: realMediaRoot,
    cacheRoot: realCacheRoot,
    preferredFormats: config.negotiation.preferred,
    sizes: config.sizes,
    hotFileBytes: config.hotCache.maxFileBytes,
    hotCache: cacheBudget.trackUses(hotCache),
    store,
    ...(config.admin.requireRegistration
      ? { isRenderable: (path: string) => registry.get(path) !== undefined }
      : {}),
  });
  const originals = createOriginals(realMediaRoot);
  const images = createImageService({
    registry,
    originals,
    store,
    mediaRoot: realMediaRoot,
    mediaUrl: config.http.mediaUrl,
    keySets: config.keySets,
    preferredFormats: config.negotiation.preferred,
    render: config.render,
    admin: config.admin,
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
  const app = createApp({
    mediaUrl: config.http.mediaUrl,
    cacheMaxAge: config.http.cacheMaxAge,
    media,
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
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with no request in flight would hold close() open.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      await jobs.stop();
      await queue.idle();
      await cacheBudget.close();
      await registry.close();
    },
  };
}
