// Load with wrk (Debian's): one run, its JSON report parsed from bench/lua/bench.lua.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../lua/bench.lua', import.meta.url));

export interface WrkResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly bytes: number;
  readonly errors: {
    readonly connect: number;
    readonly read: number;
    readonly write: number;
    readonly status: number;
    readonly timeout: number;
  };
  /** Latency in milliseconds. */
  readonly latency: {
    readonly mean: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p999: number;
    readonly max: number;
  };
  /** Filled in unique mode only. */
  readonly counts: {
    readonly s2xx: number;
    readonly s4xx: number;
    readonly s5xx: number;
    readonly miss: number;
    readonly hit: number;
    readonly coalesced: number;
  };
}

export interface WrkOptions {
  /** Base URL (`http://127.0.0.1:port`) plus path, for plain runs. */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Pin wrk to these CPUs (hit runs: "0"). */
  readonly cpus?: string;
  /** Unique-miss mode: a path template with {W} and {H}, and the first counter value. */
  readonly unique?: { readonly template: string; readonly start: number };
  readonly accept?: string;
  readonly timeoutS?: number;
}

interface RawReport {
  requests: number;
  durationUs: number;
  bytes: number;
  errors: WrkResult['errors'];
  latencyUs: Record<keyof WrkResult['latency'], number>;
  counts: WrkResult['counts'];
}

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const wrkArgs = [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    `--timeout`,
    `${options.timeoutS ?? 30}s`,
    '-s',
    SCRIPT,
    options.url,
  ];
  const [command, args] =
    options.cpus === undefined
      ? ['wrk', wrkArgs]
      : ['taskset', ['-c', options.cpus, 'wrk', ...wrkArgs]];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BENCH_MODE: options.unique ? 'unique' : 'plain',
  };
  if (options.unique !== undefined) {
    env.BENCH_TEMPLATE = options.unique.template;
    env.BENCH_START = String(options.unique.start);
    env.BENCH_THREADS = '1';
  }
  if (options.accept !== undefined) env.BENCH_ACCEPT = options.accept;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}:\n${text}`)),
    );
  });
  const line = output.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (line === undefined) throw new Error(`wrk printed no report:\n${output}`);
  const raw = JSON.parse(line.slice('BENCH_JSON '.length)) as RawReport;
  const ms = (us: number) => us / 1000;
  const seconds = raw.durationUs / 1e6;
  return {
    requests: raw.requests,
    seconds,
    rps: raw.requests / seconds,
    bytes: raw.bytes,
    errors: raw.errors,
    latency: {
      mean: ms(raw.latencyUs.mean),
      p50: ms(raw.latencyUs.p50),
      p90: ms(raw.latencyUs.p90),
      p99: ms(raw.latencyUs.p99),
      p999: ms(raw.latencyUs.p999),
      max: ms(raw.latencyUs.max),
    },
    counts: raw.counts,
  };
}
