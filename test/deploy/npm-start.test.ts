// `npm start` under a process manager: the manager signals npm only (Docker's PID 1, a
// systemd unit with KillMode=process), and the server must stop with it, not stay behind
// as an orphan. npm forwards SIGTERM to its child, so the script must exec the server.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, requireBuiltCli, rootsIn } from '../helpers/child-server.js';
import { skipWithout } from '../helpers/requirement.js';

const linux = process.platform === 'linux' ? undefined : 'reading /proc needs Linux';

/** Every live descendant of `pid`, from /proc (a zombie counts as gone). */
function descendantsOf(pid: number): { pid: number; cmdline: string }[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') parents.set(Number(name), Number(ppid));
    } catch {
      // exited while we looked
    }
  }
  const found: { pid: number; cmdline: string }[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parents) {
      if (ppid !== parent) continue;
      const cmdline = readCmdline(child);
      if (cmdline !== undefined) found.push({ pid: child, cmdline });
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function readCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

let dir: string | undefined;
let leftover: number | undefined;
afterAll(async () => {
  // Only the server this test started, by its pid, should the assertion below have failed.
  if (leftover !== undefined && isAlive(leftover)) process.kill(leftover, 'SIGKILL');
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skipWithout(linux))('npm start', () => {
  it('stops the server when only npm gets SIGTERM', async () => {
    requireBuiltCli();
    dir = await mkdtemp(join(tmpdir(), 'rendition-npm-start-'));
    const roots = await rootsIn(dir);
    // --ignore-scripts skips the prestart build: `npm test` has built dist/ already.
    const npm: ChildProcess = spawn('npm', ['start', '--ignore-scripts'], {
      env: {
        ...childEnv(roots),
        HOME: dir,
        npm_config_update_notifier: 'false',
        npm_config_cache: join(dir, 'npm-cache'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    npm.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      };
      npm.stdout?.on('data', check);
      npm.on('exit', () => reject(new Error(`npm start exited early:\n${output}`)));
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const servers = descendantsOf(npm.pid as number).filter((p) =>
      /^(\S*\/)?node .*dist\/cli\.js serve$/.test(p.cmdline),
    );
    expect(servers, output).toHaveLength(1);
    const server = servers[0]?.pid as number;
    leftover = server;

    npm.kill('SIGTERM');
    await exited;
    // npm waits for the child it forwarded the signal to: once npm is gone, so is the server.
    expect(isAlive(server), `node dist/cli.js serve (pid ${server}) outlived npm:\n${output}`).toBe(
      false,
    );
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
