// Two OS users share MEDIA_ROOT as docs/troubleshooting.md sets it up (one group, setgid,
// chmod 2775): the built server runs as one, "the app" (Django) as the other, and each can
// write and delete in the directories the other made. Needs root (setpriv switches users);
// skips locally without it and fails under CI.

import { spawnSync } from 'node:child_process';
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import {
  BUILT_CLI,
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  childEnv,
  rootsIn,
  type ServerRoots,
  spawnCommand,
} from '../helpers/child-server.js';
import { RED } from '../helpers/images.js';
import { skipWithout } from '../helpers/requirement.js';

/** Ids without passwd entries: setpriv needs none, and the machine keeps no new user. */
const SHARED_GID = 47_300;
const SERVER_USER = 47_301;
const APP_USER = 47_302;

function skipWithoutRoot(): boolean {
  const canSwitch =
    process.getuid?.() === 0 &&
    spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
  return skipWithout(
    canSwitch ? undefined : 'the shared MEDIA_ROOT test: root and setpriv (util-linux)',
  );
}

/**
 * The built server, copied where the server's user can read it: the checkout may sit in a
 * directory only root can enter (a fresh clone under /root, a 0700 temp dir). Hard links
 * when the copy is on the checkout's filesystem (instant), a full copy otherwise.
 */
function copyBuiltServer(into: string): string {
  const checkout = dirname(dirname(BUILT_CLI));
  for (const part of ['dist', 'node_modules', 'admin-ui']) {
    const from = join(checkout, part);
    const linked = spawnSync('cp', ['-al', from, into], { stdio: 'ignore' });
    if (linked.status === 0) continue;
    const copied = spawnSync('cp', ['-r', from, into], { encoding: 'utf8' });
    if (copied.status !== 0) throw new Error(`copying ${from}: ${copied.stderr}`);
  }
  return join(into, 'dist', 'cli.js');
}

/** `setpriv` arguments that run a command as `uid`, in its own group plus the shared one. */
function asUser(uid: number): string[] {
  return ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, `--groups=${SHARED_GID}`, '--'];
}

/** Runs a shell command as the app's user (umask 022, as a default service has). */
function asApp(script: string, cwd: string): { status: number | null; stderr: string } {
  const [file = '', ...args] = asUser(APP_USER);
  const result = spawnSync(file, [...args, '/bin/sh', '-c', `umask 022 && ${script}`], {
    cwd,
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr };
}

describe.skipIf(skipWithoutRoot())('a MEDIA_ROOT shared by two users', () => {
  let dir: string;
  let roots: ServerRoots;
  let server: ChildServer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-shared-'));
    await chmod(dir, 0o755);
    roots = await rootsIn(dir);
    await chown(roots.mediaRoot, 0, SHARED_GID);
    await chmod(roots.mediaRoot, 0o2775);
    for (const own of [roots.cacheRoot, roots.dataDir]) await chown(own, SERVER_USER, SERVER_USER);
    const app = join(dir, 'app');
    await mkdir(app, { mode: 0o755 });
    // `"type": "module"` makes dist/*.js ES modules.
    await copyFile(join(dirname(dirname(BUILT_CLI)), 'package.json'), join(app, 'package.json'));
    const cli = copyBuiltServer(app);
    server = await spawnCommand(
      [
        ...asUser(SERVER_USER),
        '/bin/sh',
        '-c',
        `umask 022 && exec "$0" "$@"`,
        process.execPath,
        cli,
        'serve',
      ],
      { env: childEnv(roots) },
    );
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the server makes setgid, group-writable directories the app can write into', async () => {
    if (server === undefined) throw new Error('the server did not start');
    await uploadOriginal(
      server.url,
      CHILD_ADMIN_TOKEN,
      await solidJpeg(64, 48, RED),
      'photos/2026/cat.jpg',
    );
    for (const level of ['photos', 'photos/2026']) {
      const made = await stat(join(roots.mediaRoot, level));
      expect(made.uid, level).toBe(SERVER_USER);
      expect(made.gid, level).toBe(SHARED_GID);
      expect(made.mode & 0o7777, level).toBe(0o2775);
    }
    const written = asApp(
      'echo note > photos/2026/app.txt && rm photos/2026/cat.jpg',
      roots.mediaRoot,
    );
    expect(written, written.stderr).toEqual({ status: 0, stderr: '' });
  });

  it('the server deletes what the app wrote in a directory of its own', async () => {
    if (server === undefined) throw new Error('the server did not start');
    const made = asApp('mkdir -m 2775 -p uploads/app', roots.mediaRoot);
    expect(made, made.stderr).toEqual({ status: 0, stderr: '' });
    const original = join(roots.mediaRoot, 'uploads/app/dog.jpg');
    await writeFile(original, await solidJpeg(32, 32, RED));
    await chown(original, APP_USER, SHARED_GID);
    const response = await fetch(`${server.url}/admin/images/uploads/app/dog.jpg`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${CHILD_ADMIN_TOKEN}` },
    });
    expect(response.status, await response.text()).toBe(204);
    await expect(stat(original)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
