// Starts a throwaway single-node Ceph cluster with an S3 gateway from Debian's packages
// (ceph-mon ceph-osd radosgw ceph-common), as root, without systemd: one mon, one OSD on a
// file-backed bluestore, radosgw (beast) on 127.0.0.1, a user with known keys. Every path
// (config, keyrings, data, logs, sockets) lies under one temp dir. ~20-25 s on two cores.
// The steps follow Ceph's manual-deployment docs; ../shared/FACTS.md has what made one node
// work. The daemons are detached: the state (pids, ports) can be torn down by another process.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsConnections, freePort } from './net.js';

const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool'];

/** What tests need to reach the cluster, and what teardown needs to stop it (plain JSON). */
export interface RadosgwCluster {
  /** The cluster's temp dir (ceph.conf, keyrings, data and logs inside). */
  readonly dir: string;
  /** `http://127.0.0.1:<port>` of the first gateway. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Pids of the daemons (mon, osd, radosgw) and the ports they listen on. */
  readonly pids: readonly number[];
  readonly ports: readonly number[];
}

/** Undefined when a cluster can be started here, else what is missing and how to get it. */
export function radosgwMissing(): string | undefined {
  const missing = BINARIES.filter((name) => !onPath(name));
  if (missing.length > 0) {
    return `Ceph radosgw: ${missing.join(', ')} not found (apt-get install ceph-mon ceph-osd radosgw ceph-common)`;
  }
  if (process.getuid?.() !== 0) return 'Ceph radosgw: the test cluster starts as root';
  return undefined;
}

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Starts a fresh cluster and its first gateway; resolves once S3 requests are answered. */
export async function startRadosgwCluster(): Promise<RadosgwCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'rendition-ceph-'));
  const pids: number[] = [];
  try {
    return await bootstrap(dir, pids);
  } catch (error) {
    await stopDaemons(pids, []);
    const logs = await logTails(dir);
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
}

async function bootstrap(dir: string, pids: number[]): Promise<RadosgwCluster> {
  for (const sub of ['run', 'log', 'keyring', 'mon', 'osd', 'rgw']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const [monV2, monV1, rgwPort] = [await freePort(), await freePort(), await freePort()];
  // Messenger ports of the OSD and clients: a private range below Linux's ephemeral one.
  const bindMin = 20_000 + 200 * Math.floor(Math.random() * 40);
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  await writeFile(conf, cephConf({ dir, fsid, monV2, monV1, rgwPort, bindMin }));
  const ceph = (command: string, args: readonly string[], input?: string) =>
    run(command, ['-c', conf, ...args], input);

  // Keyrings: the mon's and client.admin's, the admin key imported into the mon's.
  const monKeyring = join(dir, 'keyring', 'mon.keyring');
  const adminKeyring = join(dir, 'keyring', 'client.admin.keyring');
  await run('ceph-authtool', [
    '--create-keyring',
    monKeyring,
    '--gen-key',
    '-n',
    'mon.',
    '--cap',
    'mon',
    'allow *',
  ]);
  await run('ceph-authtool', [
    '--create-keyring',
    adminKeyring,
    '--gen-key',
    '-n',
    'client.admin',
    ...['--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mgr', 'allow *'],
  ]);
  await run('ceph-authtool', [monKeyring, '--import-keyring', adminKeyring]);
  const monmap = join(dir, 'monmap');
  await run('monmaptool', [
    '--create',
    '--fsid',
    fsid,
    '--addv',
    'a',
    `[v2:127.0.0.1:${monV2},v1:127.0.0.1:${monV1}]`,
    monmap,
  ]);
  await ceph('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', monmap, '--keyring', monKeyring]);
  pids.push(daemon('ceph-mon', ['-c', conf, '-f', '-i', 'a']));
  await waitFor('the mon', () => acceptsConnections(monV1));

  // The OSD: registered with a fresh secret, its bluestore made, started, then up.
  const osdUuid = randomUUID();
  const osdSecret = (await run('ceph-authtool', ['--gen-print-key'])).trim();
  const osdId = (
    await ceph(
      'ceph',
      ['osd', 'new', osdUuid, '-i', '-'],
      JSON.stringify({ cephx_secret: osdSecret }),
    )
  ).trim();
  await mkdir(join(dir, 'osd', `ceph-${osdId}`), { recursive: true });
  await run('ceph-authtool', [
    '--create-keyring',
    join(dir, 'keyring', `osd.${osdId}.keyring`),
    '--name',
    `osd.${osdId}`,
    '--add-key',
    osdSecret,
  ]);
  await ceph('ceph-osd', ['-i', osdId, '--mkfs', '--osd-uuid', osdUuid]);
  pids.push(daemon('ceph-osd', ['-c', conf, '-f', '-i', osdId]));
  await waitFor(`osd.${osdId} up`, async () => {
    const dump = JSON.parse(await ceph('ceph', ['osd', 'dump', '-f', 'json'])) as {
      osds: { osd: number; up: number }[];
    };
    return dump.osds.some((osd) => String(osd.osd) === osdId && osd.up === 1);
  });

  // The gateway and its S3 user.
  await ceph('ceph', [
    'auth',
    'get-or-create',
    'client.rgw.a',
    ...['mon', 'allow rw', 'osd', 'allow rwx'],
    '-o',
    join(dir, 'keyring', 'client.rgw.a.keyring'),
  ]);
  pids.push(daemon('radosgw', ['-c', conf, '-f', '-n', 'client.rgw.a']));
  await waitFor('radosgw', () => acceptsConnections(rgwPort));
  const accessKeyId = `RENDITION${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(20).toString('hex');
  await ceph('radosgw-admin', [
    'user',
    'create',
    '--uid=rendition',
    '--display-name=rendition tests',
    `--access-key=${accessKeyId}`,
    `--secret-key=${secretAccessKey}`,
  ]);
  return {
    dir,
    endpoint: `http://127.0.0.1:${rgwPort}`,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    pids,
    ports: [monV2, monV1, rgwPort],
  };
}

/** A further gateway on the same cluster (under 1 s): a test may stop it without harming others. */
export interface Gateway {
  readonly endpoint: string;
  readonly pid: number;
  /** Kills it and waits for its port to close. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
}

/**
 * Starts another radosgw of `cluster` on a free loopback port; `options` (`--name=value`)
 * override ceph.conf for this gateway only.
 */
export async function startGateway(
  cluster: RadosgwCluster,
  options: readonly string[] = [],
): Promise<Gateway> {
  const conf = join(cluster.dir, 'ceph.conf');
  const name = `client.rgw.${randomBytes(4).toString('hex')}`;
  await run('ceph', [
    '-c',
    conf,
    'auth',
    'get-or-create',
    name,
    ...['mon', 'allow rw', 'osd', 'allow rwx'],
    '-o',
    join(cluster.dir, 'keyring', `${name}.keyring`),
  ]);
  const port = await freePort();
  let pid = 0;
  async function start(): Promise<void> {
    pid = daemon('radosgw', [
      ...['-c', conf, '-f', '-n', name],
      `--rgw-frontends=beast endpoint=127.0.0.1:${port} tcp_nodelay=1`,
      ...options,
    ]);
    await waitFor(`radosgw ${name}`, () => acceptsConnections(port));
  }
  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get pid() {
      return pid;
    },
    async stop() {
      await stopDaemons([pid], [port]);
    },
    start,
  };
}

/** Kills the daemons, waits for their ports to close, removes the dir. */
export async function destroyRadosgwCluster(cluster: RadosgwCluster): Promise<void> {
  await stopDaemons(cluster.pids, cluster.ports);
  await rm(cluster.dir, { recursive: true, force: true });
}

async function stopDaemons(pids: readonly number[], ports: readonly number[]): Promise<void> {
  for (const pid of [...pids].reverse()) signal(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  while (pids.some(alive)) await sleep(20);
  // An immediate restart once failed with "Address already in use": wait for the ports.
  for (const port of ports) while (await acceptsConnections(port)) await sleep(20);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {}
}

function alive(pid: number): boolean {
  try {
    // A zombie (exited, its parent gone or not reaping yet) counts as gone.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Spawns a detached daemon (its own process group: it outlives the worker that started it). */
function daemon(command: string, args: readonly string[]): number {
  const child: ChildProcess = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.unref();
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  return child.pid;
}

function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr || stdout}`));
    });
    // A command that exits before reading its input makes the write fail with EPIPE: its
    // exit code says what happened.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`Ceph: ${what} not ready within ${START_TIMEOUT_MS / 1000} s`);
}

async function logTails(dir: string): Promise<string> {
  const tails: string[] = [];
  for (const name of ['ceph-mon.a.log', 'ceph-osd.0.log', 'ceph-client.rgw.a.log']) {
    const text = await readFile(join(dir, 'log', name), 'utf8').catch(() => '');
    if (text !== '') tails.push(`--- ${name}\n${text.slice(-1500)}`);
  }
  return tails.join('\n');
}

/** ceph.conf for one node on loopback; see ../shared/FACTS.md for why each line is there. */
export function cephConf(c: {
  dir: string;
  fsid: string;
  monV2: number;
  monV1: number;
  rgwPort: number;
  bindMin: number;
}): string {
  const { dir } = c;
  return `[global]
fsid = ${c.fsid}
mon initial members = a
mon host = [v2:127.0.0.1:${c.monV2},v1:127.0.0.1:${c.monV1}]
public network = 127.0.0.0/8
ms bind ipv4 = true
ms bind ipv6 = false
ms bind port min = ${c.bindMin}
ms bind port max = ${c.bindMin + 199}
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
run dir = ${dir}/run
admin socket = ${dir}/run/$cluster-$name.asok
log file = ${dir}/log/$cluster-$name.log
mon data = ${dir}/mon/$cluster-$name
osd data = ${dir}/osd/$cluster-$id
osd objectstore = bluestore
bluestore block path = ${dir}/osd/block-$id
bluestore block create = true
bluestore block size = 4294967296
bluestore cache autotune = false
bluestore cache size = 134217728
# Object data gets 60% of the cache instead of 10%: a production OSD keeps hot objects in
# its 4 GiB memory target, and with the stock split nearly every GET here read the disk.
bluestore cache meta ratio = 0.2
bluestore cache kv ratio = 0.2
osd op num shards = 1

[osd]
keyring = ${dir}/keyring/$name.keyring

[client]
keyring = ${dir}/keyring/$name.keyring
rgw data = ${dir}/rgw/$name
# Reads and writes in 256 KiB RADOS ops instead of one op of up to 4 MiB: radosgw pipelines
# them, so a 3 MB GET takes 13 ms instead of 25 and its PUT 30 instead of 61
# (docs/multi-node.md, Ceph radosgw).
rgw max chunk size = 262144
rgw get obj max req size = 262144

[client.rgw.a]
# tcp_nodelay: without it beast leaves Nagle on, and a GET on a kept-alive connection waits
# 40 ms for the delayed ACK (docs/multi-node.md, Ceph radosgw).
rgw frontends = beast endpoint=127.0.0.1:${c.rgwPort} tcp_nodelay=1
`;
}
