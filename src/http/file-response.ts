// Turns a served file into an HTTP response with nginx's headers: validators, 304, HEAD.

import { Readable } from 'node:stream';
import {
  type Conditions,
  cacheControlFor,
  etagFor,
  evaluateConditions,
  lastModifiedFor,
} from '../cache/validators.js';
import { AppError } from '../errors.js';
import type { ServedFile } from '../services/media-service.js';

export interface FileResponseOptions {
  readonly method: string;
  readonly conditions: Conditions;
  /** `Cache-Control: public, max-age=<seconds>`. */
  readonly cacheMaxAge: number;
}

export function fileResponse(served: ServedFile, options: FileResponseOptions): Response {
  const etag = etagFor(served.mtimeMs, served.size);
  const headers = new Headers({
    'Last-Modified': lastModifiedFor(served.mtimeMs),
    ETag: etag,
    'Cache-Control': served.noStore === true ? 'no-store' : cacheControlFor(options.cacheMaxAge),
    'X-Content-Type-Options': 'nosniff',
    'X-Rendition-Cache': served.outcome,
  });
  if (served.varyAccept) headers.set('Vary', 'Accept');

  // A fallback image stands in for another URL: its validators must never turn into a 304.
  const outcome =
    served.status === undefined
      ? evaluateConditions(options.conditions, etag, served.mtimeMs)
      : 'send';
  const status = served.status ?? 200;
  if (outcome !== 'send' || options.method === 'HEAD') {
    if (served.body.kind === 'handle') void served.body.handle.close();
    if (outcome === 'not-modified') return new Response(null, { status: 304, headers });
    if (outcome === 'precondition-failed') {
      // Word for word what the generated nginx config answers.
      throw new AppError('PRECONDITION_FAILED', 'If-Match or If-Unmodified-Since does not hold');
    }
  }
  headers.set('Content-Type', served.contentType);
  headers.set('Content-Length', String(served.size));
  if (options.method === 'HEAD') return new Response(null, { status, headers });

  return new Response(bodyOf(served), { status, headers });
}

function bodyOf(served: ServedFile): Uint8Array | ReadableStream<Uint8Array> {
  if (served.body.kind === 'buffer') return served.body.buffer;
  if (served.size === 0) {
    void served.body.handle.close();
    return new Uint8Array(0);
  }
  // Read no further than the size the headers promised, even if the file grows meanwhile.
  const stream = served.body.handle.createReadStream({ end: served.size - 1 });
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
