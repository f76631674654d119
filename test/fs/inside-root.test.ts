// openInside: what it opens, and what it refuses, whatever symlinks and special files say.

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalPathInside, openInside } from '../../src/fs/inside-root.js';

let base: string;
let root: string;
beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'inside-root-')));
  root = join(base, 'root');
  await mkdir(join(root, 'dir'), { recursive: true });
  await mkdir(join(base, 'outside'));
  await writeFile(join(root, 'dir/a.jpg'), 'inside');
  await writeFile(join(base, 'outside/secret.jpg'), 'outside');
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function contentOf(
  relative: string,
): Promise<{ text: string; realPath: string } | undefined> {
  const file = await openInside(root, relative);
  if (file === undefined) return undefined;
  try {
    return { text: (await file.handle.readFile()).toString(), realPath: file.realPath };
  } finally {
    await file.handle.close();
  }
}

describe('openInside', () => {
  it('opens a regular file and reports its real path', async () => {
    expect(await contentOf('dir/a.jpg')).toEqual({
      text: 'inside',
      realPath: join(root, 'dir/a.jpg'),
    });
  });

  it('follows symlinks that stay inside the root, as the last component or a directory', async () => {
    await symlink(join(root, 'dir/a.jpg'), join(root, 'link.jpg'));
    await symlink(join(root, 'dir'), join(root, 'linked-dir'));
    expect(await contentOf('link.jpg')).toEqual({
      text: 'inside',
      realPath: join(root, 'dir/a.jpg'),
    });
    expect((await contentOf('linked-dir/a.jpg'))?.realPath).toBe(join(root, 'dir/a.jpg'));
  });

  it('refuses symlinks that lead outside, as the last component or a directory', async () => {
    await symlink(join(base, 'outside/secret.jpg'), join(root, 'out.jpg'));
    await symlink(join(base, 'outside'), join(root, 'out-dir'));
    await expect(openInside(root, 'out.jpg')).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(openInside(root, 'out-dir/secret.jpg')).rejects.toMatchObject({
      code: 'BAD_PATH',
    });
  });

  it('answers undefined for missing files, directories, symlink loops and FIFOs', async () => {
    await symlink(join(root, 'loop.jpg'), join(root, 'loop.jpg'));
    execFileSync('mkfifo', [join(root, 'pipe.jpg')]);
    for (const relative of ['missing.jpg', 'dir', 'loop.jpg', 'pipe.jpg', 'dir/a.jpg/x']) {
      expect(await openInside(root, relative)).toBeUndefined();
    }
  });
});

describe('canonicalPathInside', () => {
  it('names the real path, for existing paths and paths not made yet', async () => {
    await symlink('dir', join(root, 'alias'));
    await symlink('dir/a.jpg', join(root, 'latest.jpg'));
    expect(await canonicalPathInside(root, 'dir/a.jpg')).toBe('dir/a.jpg');
    expect(await canonicalPathInside(root, 'alias/a.jpg')).toBe('dir/a.jpg');
    expect(await canonicalPathInside(root, 'latest.jpg')).toBe('dir/a.jpg');
    // Not there yet: the deepest existing ancestor decides.
    expect(await canonicalPathInside(root, 'alias/new/b.jpg')).toBe('dir/new/b.jpg');
    expect(await canonicalPathInside(root, 'dir/new/b.jpg')).toBe('dir/new/b.jpg');
    expect(await canonicalPathInside(root, 'fresh/b.jpg')).toBe('fresh/b.jpg');
  });

  it('refuses a path whose real path leaves the root', async () => {
    await symlink(join(base, 'outside'), join(root, 'out'));
    await expect(canonicalPathInside(root, 'out/new.jpg')).rejects.toThrow(/outside its root/);
  });
});
