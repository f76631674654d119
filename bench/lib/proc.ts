// Child processes under test: spawned (optionally pinned to a core with taskset), awaited
// until they accept connections, sampled for RSS, and always stopped when the bench exits.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { acceptsConnections } from '../../test/helpers/net.js';
import { sleep } from './stats.js';

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Pin the process (and every thread it starts) to these CPUs with `taskset -c`. */
  readonly cpus?: string;
  /** Resolve once this port on 127.0.0.1 accepts connections. */
  readonly port?: number;
  readonly startupTimeoutMs?: number;
}

export interface Proc {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds from spawn until the port accepted a connection. */
  readonly startupMs: number;
  /** Everything it printed so far (stdout and stderr, capped). */
  output(): string;
  /** Resident set size now, in bytes (VmRSS), or 0 when it is gone. */
  rss(): Promise<number>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startProcess(options: StartOptions): Promise<Proc> {
  const [command, args] =
    options.cpus === undefined
      ? [options.command, options.args]
      : ['taskset', ['-c', options.cpus, options.command, ...options.args]];
  const started = performance.now();
  // taskset execs the command, so the pid is the server's own.
  const child = spawn(command, [...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      output += `\n${error.message}`;
      running.delete(child);
      resolve();
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null && running.has(child);

  let startupMs = 0;
  if (options.port !== undefined) {
    const deadline = Date.now() + (options.startupTimeoutMs ?? 20_000);
    for (;;) {
      if (!alive()) throw new Error(`${options.name} exited during startup:\n${output}`);
      if (await acceptsConnections(options.port)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${options.name} did not listen on ${options.port}:\n${output}`);
      }
      await sleep(10);
    }
    startupMs = performance.now() - started;
  }

  return {
    name: options.name,
    pid: child.pid ?? 0,
    startupMs,
    output: () => output,
    rss: () => rssOf(child.pid ?? 0),
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** VmRSS of a process in bytes (0 when it is gone). */
export async function rssOf(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib === undefined ? 0 : Number(kib) * 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns every sample. */
export function sampleRss(
  pid: number,
  everyMs = 100,
): { stop(): Promise<{ peak: number; samples: number[] }> } {
  const samples: number[] = [];
  let active = true;
  const loop = (async () => {
    while (active) {
      samples.push(await rssOf(pid));
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      active = false;
      await loop;
      samples.push(await rssOf(pid));
      return { peak: Math.max(0, ...samples), samples };
    },
  };
}

/**
 * CPU time the children of `pid` have run, in nanoseconds (the first field of each child's
 * /proc/<pid>/schedstat): nginx's workers under its master. Unlike throughput it does not
 * depend on how busy the rest of the machine is, so B3 can compare configs on a shared box.
 */
export async function childrenCpuNs(pid: number): Promise<number> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8'))
    .trim()
    .split(/\s+/)
    .filter((child) => child !== '');
  let total = 0;
  for (const child of children) {
    const schedstat = await readFile(`/proc/${child}/schedstat`, 'utf8').catch(() => '0');
    total += Number(schedstat.split(' ')[0] ?? 0);
  }
  return total;
}
