// Starts the real server on 127.0.0.1 (free port) with roots in a fresh temp dir.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import {
  type ServerWithParts,
  type ShutdownReport,
  type StartOptions,
  startServerWithParts,
} from '../../src/server.js';

export interface TestServer extends ServerWithParts {
  readonly dir: string;
  readonly config: Config;
  /** Non-AppError failures the server logged (each would have been a 500). */
  readonly unexpectedErrors: unknown[];
  /** The JSON log lines the server wrote (kept in memory, not printed). */
  logLines(): string[];
  /** Writes an original under MEDIA_ROOT. */
  putOriginal(path: string, bytes: Uint8Array): Promise<void>;
  /** Stops the server and removes the temp dir. */
  dispose(): Promise<void>;
}

/** Creates temp roots and the config for them, without starting anything. */
export async function makeTestConfig(
  env: Record<string, string> = {},
): Promise<{ dir: string; config: Config }> {
  const dir = await mkdtemp(join(tmpdir(), 'rendition-test-'));
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIA_ROOT: join(dir, 'media'),
    CACHE_ROOT: join(dir, 'cache'),
    DATA_DIR: join(dir, 'data'),
    ...env,
  });
  await mkdir(config.roots.mediaRoot, { recursive: true });
  return { dir, config };
}

/** A resolver for tests: `*.test` names resolve to 127.0.0.1, anything else fails the test. */
export async function loopbackOnlyLookup(
  hostname: string,
): Promise<{ address: string; family: 4 | 6 }[]> {
  if (hostname.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`test resolver: refusing to resolve ${hostname}`);
}

export async function startTestServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const { dir, config } = await makeTestConfig(env);
  const errors: unknown[] = [];
  const lines: string[] = [];
  const server = await startServerWithParts(config, {
    lookup: loopbackOnlyLookup,
    logger: createLogger({
      level: config.log.level,
      destination: { write: (line) => lines.push(line) },
    }),
    // Process metrics start process-wide monitors that outlive the server: tests opt in.
    processMetrics: false,
    ...options,
    logError: (error) => errors.push(error),
  });
  let closing: Promise<ShutdownReport> | undefined;
  const close = (): Promise<ShutdownReport> => {
    closing ??= server.close();
    return closing;
  };
  return {
    ...server,
    dir,
    config,
    unexpectedErrors: errors,
    logLines: () => [...lines],
    async putOriginal(path, bytes) {
      const file = join(config.roots.mediaRoot, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes);
    },
    close,
    async dispose() {
      await close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
