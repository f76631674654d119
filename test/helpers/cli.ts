// Runs the built CLI (dist/cli.js) as a child process, without blocking the event loop, so a
// server started by the same test process keeps answering.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('dist/cli.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rendition <args>` with only PATH and `env` set, in `cwd`; kills it after `timeoutMs`. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { cwd: string; timeoutMs?: number },
): Promise<CliResult> {
  return runProgram(
    process.execPath,
    [CLI, ...args],
    { PATH: process.env.PATH ?? '', ...env },
    {
      ...options,
      name: `rendition ${args.join(' ')}`,
    },
  );
}

/** Runs `command <args>` with exactly `env`, in `cwd`; kills it after `timeoutMs` (20 s). */
export function runProgram(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  options: { cwd: string; timeoutMs?: number; name?: string },
): Promise<CliResult> {
  const child = spawn(command, args, { cwd: options.cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const name = options.name ?? `${command} ${args.join(' ')}`;
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${name} did not exit in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('error', fail);
    child.once('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}
