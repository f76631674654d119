// deploy/rendition.service and deploy/rendition.env as systemd would use them: the settings
// load, the sandbox leaves exactly the roots writable, ExecStart (its /opt/rendition mapped to
// this checkout, its node to the one running the tests) starts the server with the unit's
// environment and stops cleanly on its KillSignal, and `systemd-analyze verify` accepts it.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { rootsIn, spawnCommand } from '../helpers/child-server.js';
import { runProgram } from '../helpers/cli.js';

const UNIT_PATH = 'deploy/rendition.service';
const REPO = resolve('.');

/** `section` → key → every value given (Environment= may repeat); comments dropped. */
type Unit = Record<string, Record<string, string[]>>;

function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      section = unit[header[1]] ??= {};
      continue;
    }
    const at = line.indexOf('=');
    if (section === undefined || at <= 0) throw new Error(`${UNIT_PATH}: cannot read ${line}`);
    const key = line.slice(0, at).trim();
    section[key] = [...(section[key] ?? []), line.slice(at + 1).trim()];
  }
  return unit;
}

/** KEY=VALUE lines of an EnvironmentFile (or Environment= assignments), comments dropped. */
function parseAssignments(lines: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines.map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

const unit = parseUnit(await readFile(UNIT_PATH, 'utf8'));
const service = unit.Service ?? {};
const one = (key: string): string => {
  const values = service[key] ?? [];
  if (values.length !== 1) throw new Error(`${UNIT_PATH}: expected one ${key}=`);
  return values[0] ?? '';
};
const settings = parseAssignments((await readFile('deploy/rendition.env', 'utf8')).split('\n'));
const unitEnv = parseAssignments(service.Environment ?? []);
const workingDirectory = one('WorkingDirectory');

describe('deploy/rendition.service', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-systemd-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the example settings file, whose settings load', () => {
    expect(one('EnvironmentFile')).toBe('/etc/rendition/rendition.env');
    const config = loadConfig({ ...unitEnv, ...settings });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.cacheBudget.maxBytes).toBe(20 * 1024 ** 3);
    expect(unitEnv.LD_PRELOAD).toBe('libjemalloc.so.2');
  });

  it('leaves exactly the roots writable: MEDIA_ROOT, CACHE_ROOT and the state directory', () => {
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths').split(/\s+/).sort()).toEqual(
      [settings.MEDIA_ROOT, settings.CACHE_ROOT].sort(),
    );
    expect(settings.DATA_DIR).toBe(`/var/lib/${one('StateDirectory')}`);
    expect(one('User')).not.toBe('root');
  });

  it('starts the server with its ExecStart and stops cleanly on its KillSignal', async () => {
    const [node = '', script = '', ...args] = one('ExecStart').split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(script).toBe(`${workingDirectory}/dist/cli.js`);
    expect(args).toEqual(['serve']);
    const roots = await rootsIn(dir);
    const server = await spawnCommand(
      [process.execPath, join(REPO, script.slice(workingDirectory.length + 1)), ...args],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? '',
          ...unitEnv,
          ...settings,
          // ld.so ignores an LD_PRELOAD it cannot find (with a warning), as under systemd.
          // The unit's roots and port, moved to this test's temp dir and a free port.
          PORT: '0',
          MEDIA_ROOT: roots.mediaRoot,
          CACHE_ROOT: roots.cacheRoot,
          DATA_DIR: roots.dataDir,
        },
      },
    );
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      const exit = await server.stop(one('KillSignal') as NodeJS.Signals);
      expect(exit).toEqual({ code: 0, signal: null });
    }
  });

  it("prints nginx's config from the same settings file (docs/deployment.md)", async () => {
    const result = await runProgram(
      process.execPath,
      [join(REPO, 'dist/cli.js'), 'nginx-config', '--listen', '80'],
      { PATH: process.env.PATH ?? '', ...settings },
      { cwd: dir },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`server ${settings.HOST}:${settings.PORT};`);
    expect(result.stdout).toContain(`root "${settings.MEDIA_ROOT}";`);
    expect(result.stdout).toContain(`root "${settings.CACHE_ROOT}";`);
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
  const canVerify = analyze.status === 0 && existsSync('/usr/bin/node');
  // Optional, and said so: a machine without systemd (a container) cannot run the verifier.
  it.skipIf(!canVerify)(
    'passes systemd-analyze verify (where systemd and /usr/bin/node exist)',
    () => {
      const result = spawnSync('systemd-analyze', ['verify', resolve(UNIT_PATH)], {
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/rendition\.service:\d+:/);
    },
  );
});
