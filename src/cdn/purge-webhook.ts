// Tells a CDN which originals were purged: batched POSTs to PURGE_WEBHOOK_URL, retried.

import type { PurgeWebhookFormat } from '../config/settings.js';
import { batchesOf, purgeBodyOf } from './purge-request.js';
import { surrogateKeyOf } from './surrogate-key.js';

export interface PurgeWebhookOptions {
  readonly url: string;
  readonly format: PurgeWebhookFormat;
  readonly headers: Readonly<Record<string, string>>;
  /** How long purged keys gather before they are sent (other nodes purge meanwhile). */
  readonly delayMs: number;
  /** Deadline of one request. */
  readonly timeoutMs: number;
  /** A request failed; `final`: its keys are given up on (logged as lost). */
  readonly onFailure: (failure: WebhookFailure) => void;
  /** Waits between attempts of one batch; default RETRY_DELAYS_MS. */
  readonly retryDelaysMs?: readonly number[];
}

export interface WebhookFailure {
  readonly keys: readonly string[];
  /** What went wrong, without the URL's query or any header. */
  readonly reason: string;
  readonly attempt: number;
  readonly final: boolean;
}

export interface PurgeWebhook {
  /** `path`'s original and renditions are gone from the nodes: the CDN's copies must go too. */
  purged(path: string): void;
  /** Sends everything pending at once, one attempt each (shutdown); resolves when answered. */
  flush(): Promise<void>;
  /** Keys waiting to be sent or re-sent. */
  readonly pending: number;
}

/** 1 s doubling to a minute: ten attempts over about five minutes. */
export const RETRY_DELAYS_MS: readonly number[] = [
  1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
];

export function createPurgeWebhook(options: PurgeWebhookOptions): PurgeWebhook {
  const retryDelays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  const gathering = new Set<string>();
  let gatherTimer: NodeJS.Timeout | undefined;
  // Batches that failed, waiting for their next attempt.
  const retrying = new Map<NodeJS.Timeout, string[]>();
  const inFlight = new Set<Promise<void>>();
  const shownUrl = withoutQuery(options.url);
  // Set by flush: what fails now is lost, not retried.
  let closing = false;

  function track(sending: Promise<void>): void {
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  }

  async function attempt(keys: string[], number: number, mayRetry: boolean): Promise<void> {
    const reason = await send(keys);
    if (reason === undefined) return;
    const delay = mayRetry && !closing ? retryDelays[number - 1] : undefined;
    options.onFailure({ keys, reason, attempt: number, final: delay === undefined });
    if (delay === undefined) return;
    const timer = setTimeout(() => {
      retrying.delete(timer);
      track(attempt(keys, number + 1, true));
    }, delay);
    timer.unref();
    retrying.set(timer, keys);
  }

  /** undefined when the CDN took it; else why not. */
  async function send(keys: readonly string[]): Promise<string | undefined> {
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { ...options.headers, 'Content-Type': 'application/json' },
        body: purgeBodyOf(options.format, keys),
        // A redirect would resend the credentials elsewhere: it is a failure.
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return undefined;
      return `${shownUrl} answered HTTP ${response.status}`;
    } catch (error) {
      const cause =
        (error as Error).name === 'TimeoutError' ? 'no answer' : (error as Error).message;
      return `${shownUrl} failed: ${cause} (within ${options.timeoutMs} ms)`;
    }
  }

  function sendGathered(): void {
    gatherTimer = undefined;
    const keys = [...gathering];
    gathering.clear();
    for (const batch of batchesOf(options.format, keys)) track(attempt(batch, 1, true));
  }

  return {
    purged(path) {
      gathering.add(surrogateKeyOf(path));
      if (gatherTimer !== undefined) return;
      gatherTimer = setTimeout(sendGathered, options.delayMs);
      gatherTimer.unref();
    },
    async flush() {
      closing = true;
      if (gatherTimer !== undefined) clearTimeout(gatherTimer);
      gatherTimer = undefined;
      const keys = [...gathering];
      gathering.clear();
      for (const [timer, batch] of retrying) {
        clearTimeout(timer);
        keys.push(...batch);
      }
      retrying.clear();
      const last = [...new Set(keys)];
      for (const batch of batchesOf(options.format, last)) track(attempt(batch, 1, false));
      await Promise.all([...inFlight]);
    },
    get pending() {
      let count = gathering.size;
      for (const batch of retrying.values()) count += batch.length;
      return count;
    },
  };
}

/** The URL as logs may show it: a token in its query string stays out. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
