// The Django package (integrations/django/): installed with pip from a copy of its source, then its
// own suite (Django's test runner, Debian's python3-django, -djangorestframework, -pil) run against
// the BUILT server, which the suite starts and stops itself (tests/server.py) in a temp dir.

import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, requireBuiltCli } from '../helpers/child-server.js';
import { runProgram } from '../helpers/cli.js';
import { joinRadosgw, skipWithoutRadosgw } from '../helpers/radosgw.js';

/** Debian's interpreter: the one python3-django and friends are installed for. */
const PYTHON = '/usr/bin/python3';
const PACKAGE_DIR = resolve('integrations/django');
const PACKAGES =
  'python3-django python3-djangorestframework python3-pil python3-pip python3-setuptools';

/** True (skip) without Django, DRF and pip on a developer machine; throws when CI is set. */
function skipWithoutDjango(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import setuptools, django, rest_framework, PIL, pip'], {
    stdio: 'ignore',
  });
  if (probe.error === undefined && probe.status === 0) return false;
  if (process.env.CI !== undefined && process.env.CI !== '') {
    throw new Error(
      `the Django package's suite needs ${PYTHON} with Debian's ${PACKAGES} when CI is set (apt-get install -y ${PACKAGES})`,
    );
  }
  return true;
}

/** True (skip) without Debian's python3-django-storages and python3-boto3; throws when CI is set. */
function skipWithoutStorages(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import storages, boto3'], { stdio: 'ignore' });
  if (probe.error === undefined && probe.status === 0) return false;
  if (process.env.CI !== undefined && process.env.CI !== '') {
    throw new Error(
      `the Django package's S3 run needs ${PYTHON} with Debian's python3-django-storages and python3-boto3 when CI is set`,
    );
  }
  return true;
}

/** How many test methods the suite has: every one of them must run. */
async function testMethods(): Promise<number> {
  const dir = join(PACKAGE_DIR, 'tests');
  const files = (await readdir(dir)).filter((name) => /^test_.*\.py$/.test(name));
  let count = 0;
  for (const file of files) {
    count += [...(await readFile(join(dir, file), 'utf8')).matchAll(/^ {4}def test_/gm)].length;
  }
  return count;
}

describe.skipIf(skipWithoutDjango())('the Django package (integrations/django)', () => {
  let dir: string;
  let site: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireBuiltCli();
    dir = await mkdtemp(join(tmpdir(), 'rendition-django-pkg-'));
    site = join(dir, 'site-packages');
    // A copy: pip's build must leave no build/ or egg-info in the worktree.
    const source = join(dir, 'source');
    await cp(PACKAGE_DIR, source, {
      recursive: true,
      filter: (path) =>
        !path.includes('__pycache__') && !path.startsWith(join(PACKAGE_DIR, 'tests')),
    });
    const install = await runProgram(
      PYTHON,
      [
        '-m',
        'pip',
        'install',
        '--no-index',
        '--no-build-isolation',
        '--no-deps',
        '--quiet',
        '--target',
        site,
        source,
      ],
      { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: dir, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
      { cwd: dir, timeoutMs: 120_000, name: 'pip install ./integrations/django' },
    );
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    env = {
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      PYTHONDONTWRITEBYTECODE: '1',
      // The installed copy first; the source tree only for its tests/ package.
      PYTHONPATH: `${site}:${PACKAGE_DIR}`,
      RENDITION_TEST_NODE: process.execPath,
      RENDITION_TEST_CLI: BUILT_CLI,
    };
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('installs with pip, its static files and templates included', async () => {
    const probe = await runProgram(
      PYTHON,
      [
        '-P',
        '-c',
        'import rendition_django, pathlib; print(pathlib.Path(rendition_django.__file__).parent)',
      ],
      env,
      { cwd: dir, name: 'import rendition_django' },
    );
    const installed = probe.stdout.trim();
    expect(installed).toBe(join(site, 'rendition_django'));
    const files = await readdir(installed, { recursive: true });
    expect(files).toEqual(
      expect.arrayContaining([
        'migrations/0001_initial.py',
        'static/rendition_django/ppoi.js',
        'templates/rendition_django/ppoi_widget.html',
        'templatetags/rendition.py',
      ]),
    );
  });

  async function passesSuite(extra: Record<string, string>, suiteDir: string) {
    const result = await runProgram(
      PYTHON,
      ['-P', '-m', 'django', 'test', '--settings=tests.settings', '--noinput', '-v', '2', 'tests'],
      { ...env, ...extra, RENDITION_TEST_DIR: join(dir, suiteDir) },
      { cwd: dir, timeoutMs: 240_000, name: 'django test' },
    );
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toMatch(new RegExp(`^Ran ${await testMethods()} tests in `, 'm'));
    expect(output).toMatch(/^OK$/m);
    expect(output).not.toMatch(/skipped/i);
  }

  it('passes its own suite against the built server (manage.py test)', async () => {
    await passesSuite({}, 'suite');
  }, 300_000);

  it.skipIf(skipWithoutRadosgw() || skipWithoutStorages())(
    'passes the same suite with Django storing through django-storages into the S3 bucket rendition reads',
    async () => {
      const { cluster, bucket, client } = await joinRadosgw('django-storages');
      client.destroy();
      const s3 = {
        endpoint: cluster.endpoint,
        region: cluster.region,
        bucket,
        prefix: 'media',
        accessKeyId: cluster.accessKeyId,
        secretAccessKey: cluster.secretAccessKey,
      };
      await passesSuite({ RENDITION_TEST_S3: JSON.stringify(s3) }, 'suite-s3');
    },
    300_000,
  );
});
