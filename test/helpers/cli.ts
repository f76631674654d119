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
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`rendition ${args.join(' ')} did not exit in time\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('error', fail);
    child.once('close', (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}
