// Composition root of the HTTP server: build every dependency from the config and listen.

import { mkdir, realpath } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { cleanTempFiles } from './cache/atomic-write.js';
import { createHotCache } from './cache/hot-cache.js';
import type { Config } from './config/load-config.js';
import { createApp } from './http/app.js';
import { createRenderQueue } from './render/queue.js';
import { createRenderer } from './render/renderer.js';
import { configureSharp } from './render/sharp-setup.js';
import { createMediaService, type MediaService } from './services/media-service.js';
import { createRenditionStore, type RenditionStore } from './services/rendition-store.js';

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  readonly media: MediaService;
  readonly store: RenditionStore;
  /** Stops accepting, lets in-flight renders finish, then resolves. */
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logError?: (error: unknown, context: { method: string; path: string }) => void;
}

/** Creates the roots, cleans temp files left by a killed process, and listens. */
export async function startServer(
  config: Config,
  options: StartOptions = {},
): Promise<RunningServer> {
  const { mediaRoot, cacheRoot, dataDir } = config.roots;
  for (const dir of [mediaRoot, cacheRoot, dataDir]) await mkdir(dir, { recursive: true });
  const realMediaRoot = await realpath(mediaRoot);
  const realCacheRoot = await realpath(cacheRoot);
  await cleanTempFiles(realCacheRoot);
  configureSharp(config.render.inputFormats);

  const queue = createRenderQueue({
    concurrency: config.render.concurrency,
    queueLimit: config.render.queueLimit,
  });
  const hotCache = createHotCache({
    maxBytes: config.hotCache.maxBytes,
    maxFileBytes: config.hotCache.maxFileBytes,
  });
  const store = createRenditionStore({
    cacheRoot: realCacheRoot,
    renderer: createRenderer({ render: config.render, encoder: config.encoder }),
    queue,
    hotCache,
  });
  const media = createMediaService({
    mediaRoot: realMediaRoot,
    cacheRoot: realCacheRoot,
    preferredFormats: config.negotiation.preferred,
    sizes: config.sizes,
    hotFileBytes: config.hotCache.maxFileBytes,
    hotCache,
    store,
  });
  const app = createApp({
    mediaUrl: config.http.mediaUrl,
    cacheMaxAge: config.http.cacheMaxAge,
    media,
    logError:
      options.logError ??
      ((error, context) =>
        console.error(`${context.method} ${context.path}: unexpected error`, error)),
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve(
      { fetch: app.fetch, hostname: config.server.host, port: config.server.port },
      () => resolve(started),
    );
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;

  return {
    url: `http://${host}:${port}`,
    port,
    media,
    store,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections with no request in flight would hold close() open.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      await queue.idle();
    },
  };
}
