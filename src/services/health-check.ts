// Readiness: the storage roots are writable, the originals store answers, the registry is
// loaded and in step, the server is not draining.

import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

/** `ok`, or why the check failed (a short phrase, never a stack). */
export type CheckResult = 'ok' | string;

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: {
    readonly mediaRoot: CheckResult;
    readonly cacheRoot: CheckResult;
    readonly dataDir: CheckResult;
    readonly originals: CheckResult;
    readonly registry: CheckResult;
    readonly server: CheckResult;
  };
}

export interface HealthCheckOptions {
  readonly roots: {
    readonly mediaRoot: string;
    readonly cacheRoot: string;
    readonly dataDir: string;
  };
  /** 'ok' while the originals store answers (S3: a HEAD bucket, cached for 2 s). */
  readonly originals: () => Promise<CheckResult>;
  /** 'ok' while the registry is open and in step with the other nodes, else why not. */
  readonly registry: () => CheckResult;
  /** True once a shutdown has begun: a load balancer should stop sending requests. */
  readonly draining: () => boolean;
}

/** A readiness check, run on every call (cheap: three `access` calls, a cached bucket probe). */
export function createHealthCheck(options: HealthCheckOptions): () => Promise<HealthReport> {
  const { roots } = options;
  return async function checkHealth() {
    const [[mediaRoot, cacheRoot, dataDir], originals] = await Promise.all([
      Promise.all([roots.mediaRoot, roots.cacheRoot, roots.dataDir].map(writable)),
      options.originals(),
    ]);
    const checks = {
      mediaRoot: mediaRoot ?? 'ok',
      cacheRoot: cacheRoot ?? 'ok',
      dataDir: dataDir ?? 'ok',
      originals,
      registry: options.registry(),
      server: options.draining() ? 'shutting down' : 'ok',
    };
    const healthy = Object.values(checks).every((result) => result === 'ok');
    return { status: healthy ? 'ok' : 'unavailable', checks };
  };
}

/** Undefined when `dir` is a writable directory, else why not. */
async function writable(dir: string): Promise<string | undefined> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'EROFS') return 'read-only file system';
    return 'not writable';
  }
}
