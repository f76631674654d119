// Runs the BUILT server (`node dist/cli.js serve`, `npm test` builds dist/ first) as a child
// process on 127.0.0.1 with a free port: for tests that kill it, or that must survive its crash.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const BUILT_CLI = resolve('dist/cli.js');

/** A token the child servers use, so tests need not read DATA_DIR/admin-token. */
export const CHILD_ADMIN_TOKEN = 'child-server-test-token-0123456789abcdef';

export interface ServerRoots {
  readonly mediaRoot: string;
  readonly cacheRoot: string;
  readonly dataDir: string;
}

/** `<dir>/media`, `<dir>/cache` and `<dir>/data`, created. */
export async function rootsIn(dir: string): Promise<ServerRoots> {
  const roots = {
    mediaRoot: join(dir, 'media'),
    cacheRoot: join(dir, 'cache'),
    dataDir: join(dir, 'data'),
  };
  for (const root of Object.values(roots)) await mkdir(root, { recursive: true });
  return roots;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** Resolves once it has exited and its output has been read to the end. */
  readonly closed: Promise<void>;
  /** True until the process exits. */
  alive(): boolean;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once stdout or stderr has printed `text` (at once if it already has). */
  printed(text: string): Promise<void>;
  /** Sends `signal` and waits for the exit (SIGKILL after 5 s if it lingers). */
  stop(signal?: NodeJS.Signals): Promise<ChildExit>;
}

/** Throws a clear message when dist/ has not been built. */
export function requireBuiltCli(): void {
  if (!existsSync(BUILT_CLI)) {
    throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
  }
}

/** The environment a child server runs with: only PATH, the roots and `env`. */
export function childEnv(
  roots: ServerRoots,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIA_ROOT: roots.mediaRoot,
    CACHE_ROOT: roots.cacheRoot,
    DATA_DIR: roots.dataDir,
    ADMIN_TOKEN: CHILD_ADMIN_TOKEN,
    ...env,
  };
}

/** A launched server process: it either starts listening or exits first. */
interface Launched {
  readonly server: Omit<ChildServer, 'url'>;
  /** The URL once it listens, or its exit if it never does (or `timeout`). */
  readonly outcome: Promise<{ url: string } | { exit: ChildExit } | { timeout: true }>;
}

function launch(roots: ServerRoots, env: Record<string, string>, timeoutMs: number): Launched {
  requireBuiltCli();
  return launchCommand([process.execPath, BUILT_CLI, 'serve'], {
    env: childEnv(roots, env),
    timeoutMs,
  });
}

/** Options of {@link spawnCommand}. */
export interface SpawnCommandOptions {
  /** The process's whole environment. */
  readonly env: Record<string, string>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

function launchCommand(command: readonly string[], options: SpawnCommandOptions): Launched {
  const [file = '', ...args] = command;
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<{ text: string; done(): void }>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters) {
      if (!output.includes(waiter.text)) continue;
      waiters.delete(waiter);
      waiter.done();
    }
  };
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((done) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      done(exit);
    });
  });
  const closed = new Promise<void>((done) => {
    child.once('close', () => done());
  });
  const listening = new Promise<{ url: string }>((done) => {
    const onData = (chunk: Buffer) => {
      append(chunk);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1] !== undefined) done({ url: match[1] });
    };
    child.stdout?.on('data', onData);
  });
  child.stderr?.on('data', append);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ timeout: true }>((done) => {
    timer = setTimeout(() => done({ timeout: true }), options.timeoutMs ?? 15_000);
  });
  const server: Omit<ChildServer, 'url'> = {
    pid: child.pid ?? -1,
    child,
    exited,
    closed,
    alive: () => exit === undefined,
    output: () => output,
    printed: (text) =>
      new Promise((done, fail) => {
        if (output.includes(text)) return done();
        waiters.add({ text, done });
        // 'close' comes after the last output has been read: it will never print it.
        void closed.then(() => {
          if (!output.includes(text))
            fail(new Error(`exited without printing ${text}:\n${output}`));
        });
      }),
    async stop(signal = 'SIGTERM') {
      if (exit !== undefined) return exit;
      child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
  const outcome = Promise.race([listening, exited.then((status) => ({ exit: status })), timedOut]);
  void outcome.finally(() => clearTimeout(timer));
  return { server, outcome };
}

/**
 * Spawns `rendition serve` and resolves once it prints `listening on http://127.0.0.1:<port>`
 * (PORT=0: the port it bound). Rejects, killing it, if it exits first or is not up in time.
 */
export function spawnServer(
  roots: ServerRoots,
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<ChildServer> {
  return listeningOrThrow(launch(roots, env, timeoutMs), 'rendition serve', timeoutMs);
}

/**
 * Spawns any command that starts the server (e.g. the Docker image's CMD) and resolves once it
 * prints `listening on http://127.0.0.1:<port>`; rejects, killing it, otherwise.
 */
export function spawnCommand(
  command: readonly string[],
  options: SpawnCommandOptions,
): Promise<ChildServer> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return listeningOrThrow(launchCommand(command, options), command.join(' '), timeoutMs);
}

async function listeningOrThrow(
  { server, outcome }: Launched,
  name: string,
  timeoutMs: number,
): Promise<ChildServer> {
  const result = await outcome;
  if ('url' in result) return { ...server, url: result.url };
  await server.stop('SIGKILL');
  const why =
    'exit' in result
      ? `exited (code ${result.exit.code}, signal ${result.exit.signal})`
      : `was not listening after ${timeoutMs} ms`;
  throw new Error(`${name} ${why}:\n${server.output()}`);
}

/**
 * Runs `rendition serve` expecting it to refuse to start: its exit status and output. A server
 * that starts listening instead is stopped and reported with `listened: true`.
 */
export async function serveExpectingRefusal(
  roots: ServerRoots,
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<{ code: number | null; output: string; listened: boolean }> {
  const { server, outcome } = launch(roots, env, timeoutMs);
  const result = await outcome;
  const status = await server.stop('SIGKILL');
  return { code: status.code, output: server.output(), listened: 'url' in result };
}
