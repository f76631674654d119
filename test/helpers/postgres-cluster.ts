// Starts a throwaway PostgreSQL cluster from the Debian `postgresql` package in a temp dir:
// initdb, then `postgres` on a private loopback port with its socket, logs and data inside
// the dir. As root it runs as the `postgres` OS user (initdb refuses root). Used by the
// vitest globalSetup (one cluster per run, a database per suite), the multi-node harness and
// the bench.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { acceptsConnections, freePort } from './net.js';
import { skipWithout } from './requirement.js';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/** The cluster's superuser: trusted on loopback only, the cluster lives as long as the test. */
export const POSTGRES_USER = 'postgres';

export interface PostgresCluster {
  readonly port: number;
  /** The cluster's temp dir (data in `<dir>/data`, log in `<dir>/postgres.log`). */
  readonly dir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  urlFor(database: string): string;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown), keeping the data: `start()` brings it back. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes the dir. */
  destroy(): Promise<void>;
}

/** The directory holding initdb and postgres: `$POSTGRES_BIN`, else Debian's newest. */
export function postgresBinDir(): string | undefined {
  const fromEnv = process.env.POSTGRES_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => existsSync(join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

/** True when a cluster can be started here (the binaries, and a non-root user to run them). */
export function postgresAvailable(): boolean {
  const bin = postgresBinDir();
  if (bin === undefined) return false;
  if (process.getuid?.() !== 0) return true;
  return spawnSync('id', ['-u', POSTGRES_USER], { stdio: 'ignore' }).status === 0;
}

/** For `describe.skipIf(skipWithoutPostgres())`: the rule of test/helpers/requirement.ts. */
export function skipWithoutPostgres(): boolean {
  return skipWithout(
    postgresAvailable()
      ? undefined
      : 'PostgreSQL: no initdb under /usr/lib/postgresql/*/bin (apt-get install postgresql, or set POSTGRES_BIN)',
  );
}

/** The uid and gid PostgreSQL runs as: the `postgres` OS user when we are root. */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync('id', ['-u', POSTGRES_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', POSTGRES_USER], { encoding: 'utf8' });
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Starts a fresh cluster; resolves once it accepts connections. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined)
    throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const dir = await mkdtemp(join(tmpdir(), 'rendition-pg-'));
  const data = join(dir, 'data');
  const ids = postgresIds();
  // Spawned with the postgres user's ids directly: a runuser in between would not pass
  // SIGINT (fast shutdown) on.
  const asUser =
    ids === undefined ? {} : { uid: ids.uid, gid: ids.gid, env: { PATH: '/usr/bin:/bin' } };
  if (ids !== undefined) await chown(dir, ids.uid, ids.gid);
  await chmod(dir, 0o700);
  const init = spawnSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', POSTGRES_USER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', cwd: dir, ...asUser },
  );
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    // Throwaway data: no durability, so tests are fast; these are not the settings we ship.
    const settings = [
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=32MB',
    ];
    const child = spawn(join(bin as string, 'postgres'), ['-D', data, ...settings], {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: dir,
      ...asUser,
    });
    server = child;
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    });
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      if ((await acceptsConnections(port)) && (await ready())) return;
      await sleep(50);
    }
    child.kill('SIGKILL');
    throw new Error(`PostgreSQL did not start on port ${port}: ${output.slice(-2000)}`);
  }

  async function ready(): Promise<boolean> {
    const client = new pg.Client({ connectionString: urlFor('postgres') });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async function stop(): Promise<void> {
    const child = server;
    if (child === undefined || child.exitCode !== null) return;
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, nothing is lost.
    child.kill('SIGINT');
    const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
    server = undefined;
    // The port must be free before a restart binds it again.
    while (await acceptsConnections(port)) await sleep(20);
  }

  function urlFor(database: string): string {
    return `postgres://${POSTGRES_USER}@127.0.0.1:${port}/${database}`;
  }

  await start();
  return {
    port,
    dir,
    urlFor,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    stop,
    start,
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
