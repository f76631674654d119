// `rendition nginx-config --standalone <dir>` (the built CLI) writes an nginx.conf that an
// unprivileged user runs as docs/deployment.md says: `nginx -c <dir>/nginx.conf -p <dir>`,
// with its pid, logs and temp files in <dir>, serving hits and handing misses to Node.

import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/http.js';
import { jpegImage } from '../helpers/images.js';
import { acceptsConnections, freePort } from '../helpers/net.js';
import { nginxBinary, skipWithoutNginx } from '../helpers/nginx.js';
import { skipWithout } from '../helpers/requirement.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

const CLI = 'dist/cli.js';
/** The unprivileged account the test runs nginx as (created when missing). */
const USER = 'rendition-nginx-test';

/** Why the test user cannot be had here (root to create it and switch to it, runuser). */
function missingUnprivilegedUser(): string | undefined {
  if (process.getuid?.() !== 0) return 'root, to create a test user and run nginx as it';
  if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status !== 0) return 'runuser';
  if (spawnSync('id', ['-u', USER], { stdio: 'ignore' }).status === 0) return undefined;
  const made = spawnSync(
    'useradd',
    ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER],
    { encoding: 'utf8' },
  );
  return made.status === 0 ? undefined : `useradd ${USER} (${made.stderr.trim()})`;
}

/** The test user's uid and gid. */
function idsOf(name: string): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

// The rule of test/helpers/requirement.ts: skipped here without them, a failure under CI.
const skip = skipWithoutNginx() || skipWithout(missingUnprivilegedUser());
const user = skip ? undefined : idsOf(USER);

/** Runs nginx as the test user, exactly as documented plus `args`. */
function nginxAsUser(dir: string, ...args: string[]) {
  return spawnSync(
    'runuser',
    ['-u', USER, '--', nginxBinary(), '-c', join(dir, 'nginx.conf'), '-p', dir, ...args],
    { encoding: 'utf8', timeout: 20_000 },
  );
}

describe.skipIf(skip)('nginx-config --standalone', () => {
  let server: TestServer;
  let dir: string;
  let port: number;
  let started = false;

  beforeAll(async () => {
    server = await startTestServer({ ALLOWED_SIZES: '100x100' });
    // The test user reads the roots (rendition writes 0644 files and 0755 directories).
    await chmod(server.dir, 0o755);
    await server.putOriginal('a.jpg', await jpegImage(300, 200));
    dir = join(server.dir, 'nginx-standalone');
    await mkdir(dir);
    await chown(dir, user?.uid ?? 0, user?.gid ?? 0);
    port = await freePort();
    const result = spawnSync(
      process.execPath,
      [CLI, 'nginx-config', '--listen', String(port), '--standalone', dir],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          MEDIA_ROOT: server.config.roots.mediaRoot,
          CACHE_ROOT: server.config.roots.cacheRoot,
          HOST: '127.0.0.1',
          PORT: String(server.port),
        },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`nginx -c ${dir}/nginx.conf -p ${dir}`);
  });
  afterAll(async () => {
    try {
      if (started) {
        const quit = nginxAsUser(dir, '-s', 'quit');
        expect(quit.status, quit.stderr).toBe(0);
        await until(async () => !(await acceptsConnections(port)), {
          message: 'nginx did not stop',
        });
      }
    } finally {
      await server.dispose();
    }
  });

  it('writes a complete nginx.conf: pid, logs and temp paths in the folder, no user line', async () => {
    const text = await readFile(join(dir, 'nginx.conf'), 'utf8');
    expect(text).toContain(`pid "${dir}/nginx.pid";`);
    expect(text).toContain(`error_log "${dir}/error.log" warn;`);
    expect(text).toContain(`access_log "${dir}/access.log";`);
    for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
      expect(text).toContain(`${name}_temp_path "${dir}/${name}_temp";`);
    }
    expect(text).not.toMatch(/^\s*user\s/m);
    expect(text).toMatch(new RegExp(`listen 127\\.0\\.0\\.1:${port};`));
  });

  it('runs as an unprivileged user: a miss goes to Node, then nginx serves the hit', async () => {
    const start = nginxAsUser(dir);
    expect(start.status, start.stderr).toBe(0);
    started = true;
    await until(() => acceptsConnections(port), { message: 'nginx did not start' });

    // Its master and worker run as the test user.
    const pid = Number((await readFile(join(dir, 'nginx.pid'), 'utf8')).trim());
    const owners = spawnSync('ps', ['-o', 'user=', '--ppid', String(pid), '-p', String(pid)], {
      encoding: 'utf8',
    });
    const users = owners.stdout.split('\n').filter((line) => line.trim() !== '');
    expect(users.length).toBeGreaterThanOrEqual(2);
    for (const name of users) expect(name.trim()).toBe(USER);

    const url = `http://127.0.0.1:${port}`;
    const miss = await rawRequest(url, '/media/a.jpg/thumbnail/100x100.jpg');
    expect(miss.status, miss.body.toString()).toBe(200);
    expect(miss.headers['x-rendition-cache']).toBe('miss');
    const hit = await rawRequest(url, '/media/a.jpg/thumbnail/100x100.jpg');
    expect(hit.status).toBe(200);
    expect(hit.headers['x-rendition-cache']).toBeUndefined();
    expect(hit.body.equals(miss.body)).toBe(true);
    expect((await rawRequest(url, '/media/a.jpg')).status).toBe(200);

    // Everything nginx wrote is in the folder, owned by the user.
    const access = await readFile(join(dir, 'access.log'), 'utf8');
    expect(access).toContain('GET /media/a.jpg/thumbnail/100x100.jpg');
    for (const name of ['nginx.pid', 'error.log', 'access.log', 'proxy_temp', 'client_body_temp']) {
      expect((await stat(join(dir, name))).uid, name).toBe(user?.uid);
    }
    expect((await readdir(dir)).sort()).toEqual(
      [
        'access.log',
        'client_body_temp',
        'error.log',
        'fastcgi_temp',
        'nginx.conf',
        'nginx.pid',
        'proxy_temp',
        'scgi_temp',
        'uwsgi_temp',
      ].sort(),
    );
  });
});
