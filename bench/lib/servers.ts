// The setups under test, each a separate process on 127.0.0.1: rendition as in production
// (`node dist/cli.js serve`, settings from the environment), nginx with the config
// `rendition nginx-config` prints, plain nginx, ipx, and minimal Hono routes.

import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../test/helpers/net.js';
import { mainNginxConf, nginxBinary } from '../../test/helpers/nginx.js';
import { type Proc, startProcess } from './proc.js';
import { sleep } from './stats.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO, 'dist', 'cli.js');
const SERVERS = join(REPO, 'bench', 'servers');
const run = promisify(execFile);

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

export interface HttpServer {
  readonly proc: Proc;
  readonly port: number;
  readonly url: string;
  /** Resolves once work left over from a load run (renders of cut-off requests) is done. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface Rendition extends HttpServer {
  readonly mediaRoot: string;
  readonly cacheRoot: string;
  readonly dataDir: string;
  /** The environment it runs with (the nginx config is generated from the same). */
  readonly env: NodeJS.ProcessEnv;
  /** Cache files (renditions) on disk now, temp files excluded. */
  cacheFiles(): Promise<number>;
  /** Event-loop delay since the last call (only with `loopProbe`). */
  loopDelay(): Promise<{ p50: number; p99: number; max: number }>;
}

export interface RenditionOptions {
  readonly name?: string;
  /** A directory of its own: media/, cache/, data/ inside. */
  readonly dir: string;
  readonly cpus?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Preload bench/servers/loop-probe.mjs (event-loop delay on SIGUSR2). */
  readonly loopProbe?: boolean;
  /** Another build's cli.js (a before/after comparison); default this checkout's dist/. */
  readonly cli?: string;
}

/** Starts `node dist/cli.js serve` with production defaults plus `options.env`. */
export async function startRendition(options: RenditionOptions): Promise<Rendition> {
  const mediaRoot = join(options.dir, 'media');
  const cacheRoot = join(options.dir, 'cache');
  const dataDir = join(options.dir, 'data');
  for (const dir of [mediaRoot, cacheRoot, dataDir]) await mkdir(dir, { recursive: true });
  const port = await freePort();
  const loopFile = join(options.dir, 'loop-delay.json');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    MEDIA_ROOT: mediaRoot,
    CACHE_ROOT: cacheRoot,
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    ARBITRARY_SIZES: 'true',
    // As `access_log off` in every nginx of the bench; B4 also measures a run with it on.
    ACCESS_LOG: 'false',
    ...options.env,
    ...(options.loopProbe ? { BENCH_LOOP_FILE: loopFile } : {}),
  };
  const args = [
    ...(options.loopProbe ? ['--import', join(SERVERS, 'loop-probe.mjs')] : []),
    options.cli ?? CLI,
    'serve',
  ];
  const proc = await startProcess({
    name: options.name ?? 'rendition',
    command: process.execPath,
    args,
    env,
    cwd: options.dir,
    port,
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    mediaRoot,
    cacheRoot,
    dataDir,
    env,
    stop: () => proc.stop(),
    cacheFiles: () => countFiles(cacheRoot),
    async settle() {
      // Renders still running write their files: wait until the count holds for 500 ms.
      let last = -1;
      for (let stable = 0, i = 0; stable < 5 && i < 300; i += 1) {
        const now = await countFiles(cacheRoot);
        stable = now === last ? stable + 1 : 0;
        last = now;
        await sleep(100);
      }
    },
    async loopDelay() {
      const before = await stat(loopFile).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      process.kill(proc.pid, 'SIGUSR2');
      for (let i = 0; i < 200; i += 1) {
        await sleep(10);
        const now = await stat(loopFile).then(
          (s) => s.mtimeMs,
          () => 0,
        );
        if (now !== before) {
          return JSON.parse(await readFile(loopFile, 'utf8')) as {
            p50: number;
            p99: number;
            max: number;
          };
        }
      }
      throw new Error('the loop probe did not answer');
    },
  };
}

/** Files under `root`, recursively, without the `:tmp` temp dir. */
export async function countFiles(root: string): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && !entry.parentPath.includes(`${root}/:tmp`))
    .length;
}

/** What `rendition nginx-config --listen 127.0.0.1:<port> [args]` prints for this server. */
export async function renditionNginxConfig(
  server: Rendition,
  listenPort: number,
  args: readonly string[] = [],
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [CLI, 'nginx-config', '--listen', `127.0.0.1:${listenPort}`, ...args],
    { env: server.env, cwd: REPO },
  );
  return stdout;
}

/** Plain static nginx for `root`, with the generated config's file-serving directives. */
export function plainNginxConfig(generated: string, root: string, listenPort: number): string {
  const shared = generated
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(sendfile|tcp_nopush|open_file_cache\w*)\s/.test(line));
  return [
    'server {',
    `    listen 127.0.0.1:${listenPort};`,
    '    server_name _;',
    ...shared.map((line) => `    ${line}`),
    '    types { image/jpeg jpg; image/webp webp; }',
    `    root "${root}";`,
    '}',
    '',
  ].join('\n');
}

/** nginx with `siteConfig` inside an http {} of our own, everything under `dir`. */
export async function startNginx(options: {
  readonly name: string;
  readonly dir: string;
  readonly siteConfig: string;
  readonly port: number;
  readonly cpus?: string;
}): Promise<HttpServer> {
  const prefix = join(options.dir, 'nginx');
  await mkdir(prefix, { recursive: true });
  const site = join(prefix, 'site.conf');
  const main = join(prefix, 'nginx.conf');
  await writeFile(site, options.siteConfig);
  await writeFile(main, mainNginxConf(prefix, site));
  const proc = await startProcess({
    name: options.name,
    command: nginxBinary(),
    args: ['-p', `${prefix}/`, '-c', main, '-e', join(prefix, 'error.log')],
    port: options.port,
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  return {
    proc,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    settle: () => sleep(1000),
    stop: () => proc.stop(),
  };
}

/** A baseline server from bench/servers/<script>.mjs, run by plain node like dist/. */
export async function startBaseline(options: {
  readonly name: string;
  readonly script: 'ipx' | 'hono';
  readonly env: Readonly<Record<string, string>>;
  readonly cpus?: string;
}): Promise<HttpServer> {
  const port = await freePort();
  const proc = await startProcess({
    name: options.name,
    command: process.execPath,
    args: [join(SERVERS, `${options.script}.mjs`)],
    env: { ...process.env, NODE_ENV: 'production', ...options.env, PORT: String(port) },
    cwd: REPO,
    port,
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    settle: () => sleep(1000),
    stop: () => proc.stop(),
  };
}
