// The admin API's JSON bodies: a small byte cap and a nesting limit, checked before parsing.

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JsonBodyLimits } from '../config/load-config.js';
import { AppError } from '../errors.js';

/**
 * The deepest nesting of `[`/`{` in `text`, strings skipped; stops counting past `limit`.
 * Linear and allocation-free: 20 MiB of `[[[…` used to block the event loop in JSON.parse
 * and the schema's walk for 18 s and cost 1.2 GB.
 */
export function jsonDepth(text: string, limit: number): number {
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
 * Caps a JSON body at `maxBytes` (413: a longer Content-Length at once, a chunked body as
 * soon as the count passes it, before any parsing) and refuses one nested deeper than
 * `maxDepth` (400). Security: the cap bounds the memory and the parse time an authenticated
 * client can take (a 20 MiB body of nested arrays blocked the loop 18 s); the depth bounds
 * the recursion of JSON.parse and of the schema's walk. The text read here stays cached on
 * the request, so the route's validator parses it once.
 */
export function limitJsonBody(limits: JsonBodyLimits): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: limits.maxBytes,
    onError: (c) => {
      const declared = c.req.header('content-length');
      const received =
        declared === undefined || c.req.header('transfer-encoding') !== undefined
          ? `more (counted while reading)`
          : `${declared} (Content-Length)`;
      throw new AppError(
        'SOURCE_TOO_LARGE',
        `Expected a JSON body of at most ${limits.maxBytes} bytes (MAX_JSON_BODY_BYTES) but received ${received}; uploads go as multipart`,
      );
    },
  });
  return async function checkJsonBody(c, next) {
    if (c.req.raw.body === null) return next();
    return limit(c, async () => {
      const depth = jsonDepth(await c.req.text(), limits.maxDepth);
      if (depth > limits.maxDepth) {
        throw new AppError(
          'BAD_REQUEST',
          `Expected JSON nested at most ${limits.maxDepth} deep (MAX_JSON_DEPTH) but received more than ${limits.maxDepth}`,
        );
      }
      await next();
    });
  };
}
