// What a purge webhook is sent: the keys of purged originals in the body its CDN expects.

import type { PurgeWebhookFormat } from '../config/settings.js';

/**
 * Keys one request may carry: Fastly's batch purge takes 256, Cloudflare's purge by tag 30;
 * rendition's own shape takes Fastly's number.
 */
export const KEYS_PER_REQUEST: Readonly<Record<PurgeWebhookFormat, number>> = {
  json: 256,
  fastly: 256,
  cloudflare: 30,
};

/** The JSON body purging `keys` (at most KEYS_PER_REQUEST[format] of them). */
export function purgeBodyOf(format: PurgeWebhookFormat, keys: readonly string[]): string {
  switch (format) {
    case 'fastly':
      return JSON.stringify({ surrogate_keys: keys });
    case 'cloudflare':
      return JSON.stringify({ tags: keys });
    case 'json':
      return JSON.stringify({ keys });
  }
}

/** `keys` cut into the requests that carry them, in order. */
export function batchesOf(format: PurgeWebhookFormat, keys: readonly string[]): string[][] {
  const size = KEYS_PER_REQUEST[format];
  const batches: string[][] = [];
  for (let start = 0; start < keys.length; start += size) {
    batches.push(keys.slice(start, start + size));
  }
  return batches;
}
