// Turns a served file into an HTTP response with nginx's headers: validators, 304, HEAD.

import { Readable } from 'node:stream';
import type { HeldRendition, SendableFile } from '../cache/rendition-cache.js';
import {
  type Conditions,
  cacheControlFor,
  etagFor,
  evaluateConditions,
  lastModifiedFor,
} from '../cache/validators.js';
import { surrogateKeyOf } from '../cdn/surrogate-key.js';
import { AppError } from '../errors.js';
import type { ServedFile } from '../services/media-service.js';

export interface FileResponderOptions {
  /** `Cache-Control: public, max-age=<seconds>`. */
  readonly cacheMaxAge: number;
  /** SURROGATE_KEY_HEADER: names the original in each answer (docs/cdn.md); absent: off. */
  readonly surrogateKeyHeader?: string;
}

export interface FileRequest {
  readonly method: string;
  readonly conditions: Conditions;
}

export interface FileResponder {
  /** Any served file of the original `path`, any method, conditional requests included. */
  respond(served: ServedFile, request: FileRequest, path: string): Response;
  /**
   * A plain `GET` (no conditional headers) of a file held in memory. Its headers are built
   * once per held buffer and reused: a plain object, which @hono/node-server writes
   * without building a `Headers`.
   */
  respondHot(held: HeldRendition, varyAccept: boolean, path: string): Response;
}

type HeaderRecord = Record<string, string>;

export function createFileResponder(options: FileResponderOptions): FileResponder {
  const cacheControl = cacheControlFor(options.cacheMaxAge);
  // Per held buffer: [without Vary, with Vary]. A changed file is a new buffer.
  const hotHeaders = new WeakMap<Buffer, [HeaderRecord?, HeaderRecord?]>();

  const keyHeader = options.surrogateKeyHeader;

  function headersFor(served: ServedFile, etag: string, path: string): HeaderRecord {
    const headers: HeaderRecord = {
      'Last-Modified': lastModifiedFor(served.mtimeMs),
      ETag: etag,
      'Cache-Control': served.noStore === true ? 'no-store' : cacheControl,
      'X-Content-Type-Options': 'nosniff',
      'X-Rendition-Cache': served.outcome,
    };
    if (served.varyAccept) headers.Vary = 'Accept';
    if (keyHeader !== undefined) headers[keyHeader] = surrogateKeyOf(path);
    return headers;
  }

  function withEntity(headers: HeaderRecord, served: ServedFile): HeaderRecord {
    headers['Content-Type'] = served.contentType;
    headers['Content-Length'] = String(served.size);
    return headers;
  }

  return {
    respond(served, request, path) {
      // ORIGINALS_REDIRECT_SECONDS: the client fetches the original from the object store.
      if (served.body.kind === 'redirect') {
        return new Response(null, {
          status: 302,
          headers: {
            Location: served.body.location,
            // The URL expires: never cached for longer than it lives.
            'Cache-Control': 'no-store',
            'X-Rendition-Cache': served.outcome,
          },
        });
      }
      const etag = etagFor(served.mtimeMs, served.size);
      const headers = headersFor(served, etag, path);
      // A fallback image stands in for another URL: its validators must never turn into a 304.
      const outcome =
        served.status === undefined
          ? evaluateConditions(request.conditions, etag, served.mtimeMs)
          : 'send';
      const status = served.status ?? 200;
      if (outcome !== 'send' || request.method === 'HEAD') {
        if (served.body.kind === 'handle') void served.body.handle.close();
        if (outcome === 'not-modified') return new Response(null, { status: 304, headers });
        if (outcome === 'precondition-failed') {
          // Word for word what the generated nginx config answers.
          throw new AppError(
            'PRECONDITION_FAILED',
            'If-Match or If-Unmodified-Since does not hold',
          );
        }
      }
      withEntity(headers, served);
      if (request.method === 'HEAD') return new Response(null, { status, headers });
      return new Response(bodyOf(served.body, served.size), { status, headers });
    },

    respondHot(held, varyAccept, path) {
      const { buffer } = held.body;
      let memo = hotHeaders.get(buffer);
      if (memo === undefined) {
        memo = [];
        hotHeaders.set(buffer, memo);
      }
      const slot = varyAccept ? 1 : 0;
      let headers = memo[slot];
      if (headers === undefined) {
        const served = { ...held, varyAccept };
        // A held buffer is one file of one original: `path` is the same on every call.
        headers = withEntity(headersFor(served, etagFor(held.mtimeMs, held.size), path), served);
        memo[slot] = headers;
      }
      return new Response(buffer, { status: 200, headers });
    },
  };
}

function bodyOf(body: SendableFile['body'], size: number): Uint8Array | ReadableStream<Uint8Array> {
  if (body.kind === 'buffer') return body.buffer;
  if (size === 0) {
    void body.handle.close();
    return new Uint8Array(0);
  }
  // Read no further than the size the headers promised, even if the file grows meanwhile.
  const stream = body.handle.createReadStream({ end: size - 1 });
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
