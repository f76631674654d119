// Public routes: `GET|HEAD <MEDIA_URL>/<path>[/<rendition>]`.

import { Hono } from 'hono';
import { AppError } from '../errors.js';
import type { MediaService } from '../services/media-service.js';
import { decodeMediaPath } from '../spec/media-path.js';
import { parseMediaTarget } from '../spec/rendition-url.js';
import { fileResponse } from './file-response.js';
import { rawPathOf } from './raw-path.js';

export interface MediaRoutesOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
}

export function createMediaRoutes(options: MediaRoutesOptions): Hono {
  const routes = new Hono();
  const prefix = `${options.mediaUrl}/`;

  routes.on(['GET', 'HEAD'], `${options.mediaUrl}/*`, async function serveMedia(c) {
    const raw = rawPathOf(c);
    if (!raw.startsWith(prefix)) throw new AppError('BAD_PATH', `Expected a path under ${prefix}`);
    // Decode first, then split: a %2F is a separator like any other `/` (nginx agrees).
    const target = parseMediaTarget(decodeMediaPath(raw.slice(prefix.length)));
    const served = await options.media.serve(target, c.req.header('accept'));
    return fileResponse(served, {
      method: c.req.method,
      ifNoneMatch: c.req.header('if-none-match'),
      ifModifiedSince: c.req.header('if-modified-since'),
      cacheMaxAge: options.cacheMaxAge,
    });
  });

  routes.all(`${options.mediaUrl}/*`, function refuseMethod() {
    throw new AppError('METHOD_NOT_ALLOWED', 'Expected GET or HEAD', {
      headers: { Allow: 'GET, HEAD' },
    });
  });
  return routes;
}
