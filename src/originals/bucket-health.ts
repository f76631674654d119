// The S3 store's health check: one HEAD bucket per HEALTH_CHECK_MS at most, its answer
// shared by every /healthz call in between (a flood of probes never floods the bucket).

import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { HEALTH_CHECK_MS } from './originals-store.js';

/** A probe never waits longer than this (ms), even with a longer FETCH_TIMEOUT_MS. */
const PROBE_TIMEOUT_MS = 2_000;

export interface BucketHealthOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** FETCH_TIMEOUT_MS; the probe uses the smaller of it and 2 s. */
  readonly timeoutMs: number;
  /** Turns an SDK error into a short phrase (no stack, no secrets). */
  readonly describe: (error: unknown) => string;
  /** Clock in ms (tests); `Date.now` by default. */
  readonly now?: () => number;
}

/** 'ok', or `bucket <name>: <why>`: at most one HEAD bucket in flight or per 2 s. */
export function createBucketHealth(options: BucketHealthOptions): () => Promise<string> {
  const now = options.now ?? Date.now;
  let last: { at: number; answer: Promise<string> } | undefined;

  async function probe(): Promise<string> {
    try {
      await options.client.send(new HeadBucketCommand({ Bucket: options.bucket }), {
        abortSignal: AbortSignal.timeout(Math.min(options.timeoutMs, PROBE_TIMEOUT_MS)),
      });
      return 'ok';
    } catch (error) {
      return `bucket ${options.bucket}: ${options.describe(error)}`;
    }
  }

  return function bucketHealth() {
    // The time is taken when the probe starts, so a slow answer is reused for no longer.
    if (last === undefined || now() - last.at >= HEALTH_CHECK_MS) {
      last = { at: now(), answer: probe() };
    }
    return last.answer;
  };
}
