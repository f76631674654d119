// Public routes: `GET|HEAD <MEDIA_URL>/<path>[/<rendition>]`.

import type { Context, MiddlewareHandler } from 'hono';
import { surrogateKeyOf } from '../cdn/surrogate-key.js';
import { AppError } from '../errors.js';
import type { ImageInfo } from '../services/image-info.js';
import type { MediaService, ResolvedTarget } from '../services/media-service.js';
import { SIGNATURE_PARAM } from '../url/signature.js';
import { createFileResponder } from './file-response.js';
import { createMediaTargetParser } from './media-targets.js';
import { type MediaHeaders, mediaHeadersOf, rawPathOf } from './raw-path.js';
import { checkSignature, type SignatureCheckOptions } from './signature-check.js';

export interface MediaRoutesOptions {
  readonly mediaUrl: string;
  readonly cacheMaxAge: number;
  readonly media: MediaService;
  /** Answers `<MEDIA_URL>/<path>/info` (docs/urls.md#info-endpoint); absent: no info URLs. */
  readonly info?: (path: string) => Promise<ImageInfo>;
  /** Signed URLs (docs/signed-urls.md); absent: off. */
  readonly signing?: SignatureCheckOptions;
  /** SURROGATE_KEY_HEADER (docs/cdn.md); absent: off. */
  readonly surrogateKeyHeader?: string;
}

/**
 * Claims every request whose RAW path starts with `MEDIA_URL/`. Matching on the raw path
 * (not Hono's dot-resolved one) means `/media/%2e%2e/x` is refused here as a bad path
 * instead of escaping the prefix and falling through to other routes.
 *
 * A plain GET of a rendition held in memory is answered without any I/O or await, with
 * headers built once per held buffer (a plain object, no `Headers`): that is what Node's
 * hit rate rests on.
 */
export function createMediaRoutes(options: MediaRoutesOptions): MiddlewareHandler {
  const prefix = `${options.mediaUrl}/`;
  const targets = createMediaTargetParser();
  const responder = createFileResponder({
    cacheMaxAge: options.cacheMaxAge,
    ...(options.surrogateKeyHeader === undefined
      ? {}
      : { surrogateKeyHeader: options.surrogateKeyHeader }),
  });
  const keyHeader = options.surrogateKeyHeader;

  async function serveFull(c: Context, resolved: ResolvedTarget, headers: MediaHeaders) {
    const served = await options.media.serve(resolved);
    c.set('outcome', served.outcome);
    return responder.respond(
      served,
      {
        method: c.req.method,
        // Without any `If-*` header there is nothing to read (and no Headers object to build).
        conditions: headers.conditional
          ? {
              ifMatch: c.req.header('if-match'),
              ifUnmodifiedSince: c.req.header('if-unmodified-since'),
              ifNoneMatch: c.req.header('if-none-match'),
              ifModifiedSince: c.req.header('if-modified-since'),
            }
          : {},
      },
      originalOf(resolved),
    );
  }

  async function serveInfo(c: Context, path: string) {
    // `<path>/info` is reserved even when the info endpoint is off: never an original.
    if (options.info === undefined) throw new AppError('NOT_FOUND', 'No info endpoint');
    // Changes with a PPOI, a replace or a backfill: always revalidated, never a stale answer.
    return c.json(await options.info(path), 200, {
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...(keyHeader === undefined ? {} : { [keyHeader]: surrogateKeyOf(path) }),
    });
  }

  return async function serveMedia(c, next) {
    const raw = rawPathOf(c);
    if (!raw.startsWith(prefix)) return next();
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      throw new AppError('METHOD_NOT_ALLOWED', 'Expected GET or HEAD', {
        headers: { Allow: 'GET, HEAD' },
      });
    }
    const target = targets.parse(raw.slice(prefix.length));
    if (target.kind === 'info') return serveInfo(c, target.path);
    // The query string is read only when signing is on and the size needs a signature.
    const signed =
      options.signing !== undefined &&
      checkSignature(target, () => c.req.query(SIGNATURE_PARAM), options.signing);
    const headers = mediaHeadersOf(c);
    const resolved = options.media.resolve(target, headers.accept, signed);
    if (method === 'GET' && !headers.conditional) {
      const hot = options.media.serveHot(resolved);
      if (hot !== undefined) {
        c.set('outcome', hot.outcome);
        return responder.respondHot(hot, resolved.varyAccept, originalOf(resolved));
      }
    }
    return serveFull(c, resolved, headers);
  };
}

/** The media path of the original a target is, or is a rendition of. */
function originalOf(resolved: ResolvedTarget): string {
  return resolved.kind === 'original' ? resolved.target.path : resolved.target.spec.path;
}
