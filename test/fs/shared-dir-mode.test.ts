// Directories made inside a root take the parent's setgid and group write (the shared,
// group-writable MEDIA_ROOT of docs/troubleshooting.md), whatever the umask says.

import { chmod, mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirInside } from '../../src/fs/inside-root.js';
import { sharedDirModeFor } from '../../src/fs/shared-dir-mode.js';

describe('sharedDirModeFor', () => {
  it.each([
    { parent: 0o40755, created: 0o40755, expected: undefined },
    { parent: 0o42775, created: 0o42755, expected: 0o2775 },
    { parent: 0o40775, created: 0o40755, expected: 0o775 },
    { parent: 0o42755, created: 0o42755, expected: undefined },
    { parent: 0o42775, created: 0o40700, expected: 0o2720 },
    { parent: 0o40777, created: 0o40755, expected: 0o775 },
  ])(
    'parent $parent, made $created -> $expected (decimal modes)',
    ({ parent, created, expected }) => {
      expect(sharedDirModeFor(parent, created)).toBe(expected);
    },
  );
});

describe('makeDirInside', () => {
  let root: string;
  let savedUmask: number;
  beforeEach(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'shared-dir-')));
    savedUmask = process.umask(0o022);
  });
  afterEach(async () => {
    process.umask(savedUmask);
    await rm(root, { recursive: true, force: true });
  });

  const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

  it('gives every new level of a setgid, group-writable root the same bits (umask 022)', async () => {
    await chmod(root, 0o2775);
    await makeDirInside(root, join(root, 'photos/2026/12'));
    for (const level of ['photos', 'photos/2026', 'photos/2026/12']) {
      expect(await modeOf(join(root, level)), level).toBe(0o2775);
    }
  });

  it('carries the bits down from the deepest existing directory, not the root', async () => {
    await chmod(root, 0o755);
    await mkdir(join(root, 'shared'));
    await chmod(join(root, 'shared'), 0o2775);
    await makeDirInside(root, join(root, 'shared/a/b'));
    expect(await modeOf(join(root, 'shared/a/b'))).toBe(0o2775);
  });

  it('leaves a plain 0755 tree as the umask makes it', async () => {
    await chmod(root, 0o755);
    await makeDirInside(root, join(root, 'cache/x'));
    expect(await modeOf(join(root, 'cache'))).toBe(0o755);
    expect(await modeOf(join(root, 'cache/x'))).toBe(0o755);
  });

  it('changes nothing on a directory that already exists', async () => {
    await chmod(root, 0o2775);
    await mkdir(join(root, 'old'), { mode: 0o700 });
    await makeDirInside(root, join(root, 'old'));
    expect(await modeOf(join(root, 'old'))).toBe(0o2700);
  });
});
