// The admin API's JSON bodies: a small byte cap and a nesting limit, checked before parsing.

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../errors.js';

/** Largest JSON body, in bytes: a warm job's list of paths is the biggest the API takes. */
export const MAX_JSON_BYTES = 256 * 1024;
/** Deepest nesting of arrays and objects: the API's bodies need 3. */
export const MAX_JSON_DEPTH = 16;

/**
 * The deepest nesting of `[`/`{` in `text`, strings skipped; stops counting past `limit`.
 * Linear and allocation-free: 20 MiB of `[[[…` used to block the event loop in JSON.parse
 * and the schema's walk for 18 s and cost 1.2 GB.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (char === 0x5d || char === 0x7d) depth -= 1;
  }
  return deepest;
}

/**
 * Caps a JSON body at {@link MAX_JSON_BYTES} (413, counted while reading, with or without a
 * Content-Length) and refuses one nested deeper than {@link MAX_JSON_DEPTH} (400). The text
 * read here stays cached on the request, so the route's validator parses it once.
 */
export function limitJsonBody(): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_JSON_BYTES,
    onError: () => {
      throw new AppError(
        'SOURCE_TOO_LARGE',
        `Expected a JSON body of at most ${MAX_JSON_BYTES} bytes (uploads go as multipart)`,
      );
    },
  });
  return async function checkJsonBody(c, next) {
    if (c.req.raw.body === null) return next();
    return limit(c, async () => {
      const depth = jsonDepth(await c.req.text());
      if (depth > MAX_JSON_DEPTH) {
        throw new AppError(
          'BAD_REQUEST',
          `Expected JSON nested at most ${MAX_JSON_DEPTH} deep but received more than ${MAX_JSON_DEPTH}`,
        );
      }
      await next();
    });
  };
}
