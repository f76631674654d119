// Public routes: `GET|HEAD <MEDIA_URL>/<path>[/<rendition>]`.

import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { MediaService } from '../services/media-service.js';
import { decodeMediaPath } from '../spec/media-path.js';
import { parseMediaTarget } from '../spec/rendition-url.js';
import { SIGNATURE_PARAM } from '../spec/signature.js';
import { fileResponse } from './file-response.js';
import { firstHeaderOf, rawPathOf } from './raw-path.js';
import { checkSignature, type SignatureCheckOptions } from './signature-check.js';

export interface MediaRoutesOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
  /** Signed URLs (README "Signed URLs"); absent: off. */
  readonly signing?: SignatureCheckOptions;
}

/**
 * Claims every request whose RAW path starts with `MEDIA_URL/`. Matching on the raw path
 * (not Hono's dot-resolved one) means `/media/%2e%2e/x` is refused here as a bad path
 * instead of escaping the prefix and falling through to other routes.
 */
export function createMediaRoutes(options: MediaRoutesOptions): MiddlewareHandler {
  const prefix = `${options.mediaUrl}/`;

  return async function serveMedia(c, next) {
    const raw = rawPathOf(c);
    if (!raw.startsWith(prefix)) return next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      throw new AppError('METHOD_NOT_ALLOWED', 'Expected GET or HEAD', {
        headers: { Allow: 'GET, HEAD' },
      });
    }
    // Decode first, then split: a %2F is a separator like any other `/` (nginx agrees).
    const target = parseMediaTarget(decodeMediaPath(raw.slice(prefix.length)));
    const signed =
      options.signing !== undefined &&
      checkSignature(target, c.req.query(SIGNATURE_PARAM), options.signing);
    const served = await options.media.serve(target, firstHeaderOf(c, 'accept'), signed);
    return fileResponse(served, {
      method: c.req.method,
      conditions: {
        ifMatch: c.req.header('if-match'),
        ifUnmodifiedSince: c.req.header('if-unmodified-since'),
        ifNoneMatch: c.req.header('if-none-match'),
        ifModifiedSince: c.req.header('if-modified-since'),
      },
      cacheMaxAge: options.cacheMaxAge,
    });
  };
}
