// Starts a real nginx in front of a test server, with the site config `rendition nginx-config`
// would print (same template, same renderNginxConfig), inside the test's temp dir.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../src/config/load-config.js';
import { renderNginxConfig } from '../../src/nginx/nginx-config.js';
import { acceptsConnections, freePort } from './net.js';
import { skipWithout } from './requirement.js';

/** The shipped template, exactly what `rendition nginx-config` fills in. */
export const NGINX_TEMPLATE_URL = new URL('../../nginx/rendition.conf.template', import.meta.url);

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface StartNginxOptions {
  /** The test server's config (roots, MEDIA_URL, negotiation, max-age). */
  readonly config: Config;
  /** A temp dir owned by the test; nginx's prefix is `<dir>/nginx`. */
  readonly dir: string;
  /**
   * The port the Node server actually bound (RunningServer.port). Defaults to
   * `config.server.port`, which is 0 in tests and therefore refused.
   */
  readonly nodePort?: number;
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** nginx's prefix directory (pid, logs, temp paths, configs). */
  readonly prefix: string;
  /** The generated site config (what `rendition nginx-config` prints). */
  readonly siteConfig: string;
  /** Stops nginx (SIGQUIT, then SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** The error log's content so far. */
  errorLog(): Promise<string>;
}

/** The nginx binary: `$NGINX_BIN`, else `nginx` on PATH, else `/usr/sbin/nginx`. */
export function nginxBinary(): string {
  const fromEnv = process.env.NGINX_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const onPath = spawnSync('nginx', ['-v'], { stdio: 'ignore' });
  if (onPath.error === undefined && onPath.status === 0) return 'nginx';
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
}

/** True when `nginx -v` runs. */
export function nginxAvailable(): boolean {
  const result = spawnSync(nginxBinary(), ['-v'], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/** For `describe.skipIf(skipWithoutNginx())`: the rule of test/helpers/requirement.ts. */
export function skipWithoutNginx(): boolean {
  return skipWithout(
    nginxAvailable()
      ? undefined
      : `nginx: \`${nginxBinary()} -v\` does not run (apt-get install nginx, or set NGINX_BIN)`,
  );
}

/** The main nginx.conf around the generated site config, everything under `prefix`. */
export function mainNginxConf(prefix: string, siteConfPath: string): string {
  const root = process.getuid?.() === 0;
  return [
    'daemon off;',
    // Workers must read the test's 0700 temp dirs; `user` only applies when run as root.
    ...(root ? ['user root;'] : []),
    'worker_processes 1;',
    // As docs/deployment.md#nginx-in-front asks: the location regexes are JIT-compiled.
    'pcre_jit on;',
    `pid "${prefix}/nginx.pid";`,
    `error_log "${prefix}/error.log" warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '    access_log off;',
    `    client_body_temp_path "${prefix}/client_body_temp";`,
    `    proxy_temp_path "${prefix}/proxy_temp";`,
    `    fastcgi_temp_path "${prefix}/fastcgi_temp";`,
    `    uwsgi_temp_path "${prefix}/uwsgi_temp";`,
    `    scgi_temp_path "${prefix}/scgi_temp";`,
    `    include "${siteConfPath}";`,
    '}',
    '',
  ].join('\n');
}

/** Starts nginx in front of the Node server; resolves once it accepts connections. */
export async function startNginx(options: StartNginxOptions): Promise<RunningNginx> {
  const nodePort = options.nodePort ?? options.config.server.port;
  if (nodePort === 0) {
    throw new Error('startNginx: pass nodePort (the port the Node server actually bound)');
  }
  const config: Config = {
    ...options.config,
    server: { ...options.config.server, port: nodePort },
  };
  const template = await readFile(NGINX_TEMPLATE_URL, 'utf8');
  const prefix = join(options.dir, 'nginx');
  await mkdir(prefix, { recursive: true });
  const errorLogPath = join(prefix, 'error.log');

  // The port is free when chosen but may be taken before nginx binds it: retry then.
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const siteConfig = renderNginxConfig(template, config, { listen: `127.0.0.1:${port}` });
    const siteConfPath = join(prefix, 'site.conf');
    const mainConfPath = join(prefix, 'nginx.conf');
    await writeFile(siteConfPath, siteConfig);
    await writeFile(mainConfPath, mainNginxConf(prefix, siteConfPath));
    try {
      return await launch({ prefix, port, siteConfig, mainConfPath, errorLogPath });
    } catch (error) {
      lastError = error as Error;
      if (!/Address already in use/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('startNginx: could not start nginx');
}

interface LaunchOptions {
  readonly prefix: string;
  readonly port: number;
  readonly siteConfig: string;
  readonly mainConfPath: string;
  readonly errorLogPath: string;
}

async function launch(options: LaunchOptions): Promise<RunningNginx> {
  const { prefix, port, errorLogPath } = options;
  const errorLog = async () => {
    try {
      return await readFile(errorLogPath, 'utf8');
    } catch {
      return '';
    }
  };
  const child = spawn(
    nginxBinary(),
    ['-p', `${prefix}/`, '-c', options.mainConfPath, '-e', errorLogPath],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal));
    child.once('error', (error) => resolve(error.message));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  // A test process that dies without afterAll must not leave nginx behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const failure = async (why: string) =>
    new Error(
      `nginx on 127.0.0.1:${port} ${why}\n--- nginx output ---\n${output}\n--- ${errorLogPath} ---\n${await errorLog()}`,
    );

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (!running) {
      process.removeListener('exit', killOnExit);
      throw await failure(`exited during startup (${String(await exited)})`);
    }
    if (await acceptsConnections(port)) break;
    if (Date.now() > deadline) {
      await terminate(child, exited);
      process.removeListener('exit', killOnExit);
      throw await failure(`did not accept connections within ${STARTUP_TIMEOUT_MS} ms`);
    }
    await sleep(25);
  }

  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    prefix,
    siteConfig: options.siteConfig,
    errorLog,
    stop() {
      stopping ??= terminate(child, exited).finally(() =>
        process.removeListener('exit', killOnExit),
      );
      return stopping;
    },
  };
}

/** Graceful quit, then fast shutdown, then kill, each with a deadline. */
async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  for (const signal of ['SIGQUIT', 'SIGTERM', 'SIGKILL'] as const) {
    child.kill(signal);
    const done = await Promise.race([
      exited.then(() => true),
      sleep(signal === 'SIGKILL' ? STOP_TIMEOUT_MS : STOP_TIMEOUT_MS / 2).then(() => false),
    ]);
    if (done) return;
  }
  throw new Error(`nginx (pid ${child.pid}) did not exit`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
