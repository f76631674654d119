// A real tiny filesystem for disk-full tests: a size-limited tmpfs (needs root and mount(2)),
// filled to the last byte so the next write fails with ENOSPC.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function run(command: string, args: readonly string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  if (result.error !== undefined) return `${command}: ${result.error.message}`;
  if (result.status !== 0) return `${command} ${args.join(' ')}: ${result.stderr.trim()}`;
  return undefined;
}

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried for real, at once). */
export function tmpfsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'rendition-tmpfs-probe-'));
  try {
    const failed = run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
    if (failed !== undefined) return `mount is not permitted here: ${failed}`;
    return run('umount', [probe]);
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `size` (e.g. `2m`) on `dir`, creating it. */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const failed = run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  if (failed !== undefined) throw new Error(failed);
}

/** Unmounts `dir` (lazily if something still holds it) and removes the mount point. */
export function unmountTmpfs(dir: string): void {
  if (run('umount', [dir]) !== undefined) run('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Fills the filesystem of `dir` to the last byte with `<dir>/filler` (big writes, then single
 * bytes into the last page) and returns the filler's path: remove it to free the space.
 */
export function fillUp(dir: string): string {
  const filler = join(dir, 'filler');
  const fd = openSync(filler, 'a');
  try {
    const block = Buffer.alloc(64 * 1024, 0xaa);
    for (const chunk of [block, block.subarray(0, 4096), block.subarray(0, 1)]) {
      for (;;) {
        try {
          if (writeSync(fd, chunk) < chunk.length) break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}
