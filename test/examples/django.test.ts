// The Django example (examples/django/) against the real thing: the built rendition server
// and a real nginx (the shipped template) on loopback with temp roots, then the example's own
// `manage.py test`, run by Debian's python3 with python3-django, -requests and -pil and the
// rendition_django package (integrations/django) on PYTHONPATH.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { parseListenAddress } from '../../src/nginx/listen-address.js';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  childEnv,
  rootsIn,
  type ServerRoots,
  spawnServer,
} from '../helpers/child-server.js';
import { runProgram } from '../helpers/cli.js';
import { inspect, jpegImage } from '../helpers/images.js';
import { acceptsConnections, freePort } from '../helpers/net.js';
import { type RunningNginx, skipWithoutNginx, startNginx } from '../helpers/nginx.js';
import { skipWithout } from '../helpers/requirement.js';
import { TEMP_DIR } from '../helpers/roots.js';
import { until } from '../helpers/until.js';

/** Debian's interpreter: the one python3-django and friends are installed for. */
const PYTHON = '/usr/bin/python3';
const EXAMPLE_DIR = resolve('examples/django');
/** The package the example uses, put on its PYTHONPATH (no pip install needed). */
const PACKAGE_DIR = resolve('integrations/django');
/** The test methods of examples/django/photos/tests.py. */
const DJANGO_TESTS = 6;

/** The rule of test/helpers/requirement.ts, for Django and the example's libraries. */
function skipWithoutDjango(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import django, requests, PIL'], { stdio: 'ignore' });
  return skipWithout(
    probe.error === undefined && probe.status === 0
      ? undefined
      : `the Django example: ${PYTHON} with Debian's python3-django, python3-requests and python3-pil (apt-get install -y python3-django python3-requests python3-pil)`,
  );
}

const skip = skipWithoutNginx() || skipWithoutDjango();

/** Files under `root`, the temp directory left out. */
async function filesUnder(root: string): Promise<string[]> {
  const names = await readdir(root, { recursive: true, withFileTypes: true });
  return names
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .filter((name) => !name.startsWith(`${TEMP_DIR}/`))
    .sort();
}

describe.skipIf(skip)('the Django example behind nginx', () => {
  let dir: string;
  let roots: ServerRoots;
  let server: ChildServer | undefined;
  let nginx: RunningNginx | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-django-'));
    roots = await rootsIn(dir);
    server = await spawnServer(roots);
    nginx = await startNginx({
      config: loadConfig(childEnv(roots)),
      dir,
      nodePort: Number(new URL(server.url).port),
      // The example calls the admin API through nginx, from this machine.
      generator: { expose: ['admin'] },
    });
  });

  afterAll(async () => {
    try {
      await nginx?.stop();
    } finally {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes its own tests (manage.py test) and leaves no file in the roots', async () => {
    if (nginx === undefined) throw new Error('nginx did not start');
    const result = await runProgram(
      PYTHON,
      ['manage.py', 'test', '--noinput', '-v', '2'],
      {
        PATH: '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONPATH: PACKAGE_DIR,
        DJANGO_DB: join(dir, 'django.sqlite3'),
        MEDIA_ROOT: roots.mediaRoot,
        RENDITION_ADMIN_URL: `${nginx.url}/admin`,
        RENDITION_TOKEN: CHILD_ADMIN_TOKEN,
        RENDITION_TEST_SITE_URL: nginx.url,
        RENDITION_TEST_CACHE_ROOT: roots.cacheRoot,
      },
      { cwd: EXAMPLE_DIR, timeoutMs: 120_000, name: 'manage.py test' },
    );
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toMatch(new RegExp(`^Ran ${DJANGO_TESTS} tests in `, 'm'));
    expect(output).toMatch(/^OK$/m);
    // Every test deleted its photos: nothing of theirs is left in either root.
    expect(await filesUnder(roots.mediaRoot)).toEqual([]);
    expect(await filesUnder(roots.cacheRoot)).toEqual([]);
  }, 180_000);
});

describe.skipIf(skip)(
  'the Django example as one site: nginx --app in front of Django and rendition',
  () => {
    let dir: string;
    let server: ChildServer | undefined;
    let nginx: RunningNginx | undefined;
    let django: ChildProcess | undefined;

    afterAll(async () => {
      django?.kill('SIGTERM');
      await nginx?.stop();
      await server?.stop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    it("serves Django's pages and their renditions from one address (docs/django.md)", async () => {
      dir = await mkdtemp(join(tmpdir(), 'rendition-django-site-'));
      const roots = await rootsIn(dir);
      server = await spawnServer(roots);
      const appPort = await freePort();
      nginx = await startNginx({
        config: loadConfig(childEnv(roots)),
        dir,
        nodePort: Number(new URL(server.url).port),
        generator: { app: { kind: 'tcp', address: parseListenAddress(`127.0.0.1:${appPort}`) } },
      });
      const env = {
        PATH: '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONPATH: PACKAGE_DIR,
        DJANGO_DB: join(dir, 'django.sqlite3'),
        MEDIA_ROOT: roots.mediaRoot,
        // Django calls rendition's admin API on Node: nginx --app forwards /admin/ to Django.
        RENDITION_ADMIN_URL: `${server.url}/admin`,
        RENDITION_TOKEN: CHILD_ADMIN_TOKEN,
      };
      const manage = async (args: string[]) => {
        const result = await runProgram(PYTHON, ['manage.py', ...args], env, {
          cwd: EXAMPLE_DIR,
          timeoutMs: 60_000,
        });
        expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
        return result.stdout.trim();
      };
      await manage(['migrate', '--noinput', '-v', '0']);
      const image = join(dir, 'cat.jpg');
      await writeFile(image, await jpegImage(800, 600));
      const page = await manage(['add_photo', image, '--title', 'Cat']);
      expect(page).toBe('/photos/1/');
      // The field's hook warmed the image key set once the save committed.
      const warmed = await readdir(roots.cacheRoot, { recursive: true });

      django = spawn(PYTHON, ['manage.py', 'runserver', '--noreload', `127.0.0.1:${appPort}`], {
        cwd: EXAMPLE_DIR,
        env,
        stdio: 'ignore',
      });
      await until(() => acceptsConnections(appPort), {
        timeoutMs: 30_000,
        message: 'manage.py runserver did not listen in 30 s',
      });

      const response = await fetch(`${nginx.url}${page}`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('<h1>Cat</h1>');
      const sources = [...html.matchAll(/<img class="(\w+)" src="([^"]+)"/g)].map(
        (m) => m[2] ?? '',
      );
      expect(sources).toHaveLength(3);
      for (const [index, source] of sources.entries()) {
        expect(source).toMatch(/^\/media\/photos\/cat[\w-]*\.jpg\/thumbnail\/\d+x\d+$/);
        const cacheName = source.slice('/media/'.length);
        expect(
          warmed.some((file) => file.startsWith(`${cacheName}.`)),
          warmed.join(' '),
        ).toBe(true);
        const rendition = await fetch(`${nginx.url}${source}`);
        expect(rendition.status, source).toBe(200);
        const { width } = await inspect(new Uint8Array(await rendition.arrayBuffer()));
        expect(width).toBe([180, 220, 320][index]);
      }
    }, 240_000);
  },
);

describe('docs/django.md', () => {
  it('shows code taken verbatim from the tested example and package, VIF code marked as such', async () => {
    const section = await readFile('docs/django.md', 'utf8');
    const blocks = [...section.matchAll(/^```(python|html)( vif)?\n([\s\S]*?)^```$/gm)];
    const verbatim = blocks
      .filter((match) => match[2] === undefined)
      .map((match) => match[3] ?? '');
    const before = blocks.filter((match) => match[2] !== undefined).map((match) => match[3] ?? '');
    expect(verbatim).toHaveLength(6);
    expect(before).toHaveLength(2);
    for (const block of before) expect(block).toContain('from versatileimagefield.');
    const sources: string[] = [];
    for (const dir of [EXAMPLE_DIR, PACKAGE_DIR]) {
      const files = await readdir(dir, { recursive: true });
      for (const name of files.filter((file) => /\.(py|html)$/.test(file))) {
        sources.push(await readFile(join(dir, name), 'utf8'));
      }
    }
    for (const block of verbatim) {
      expect(
        sources.some((source) => source.includes(block)),
        block,
      ).toBe(true);
    }
  });
});
