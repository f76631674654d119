// The built CLI as users run it (`npm test` builds dist/ first): settings errors, help, serve, nginx-config.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSettingsTable } from '../src/config/settings-table.js';

const CLI = resolve('dist/cli.js');
let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'rendition-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('rendition CLI', () => {
  it('stops on a bad setting with one line naming it', () => {
    const result = run(['serve'], { PORT: 'eighty', UPSCALE: 'maybe', MAX_WIDHT: '10' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^ {2}- PORT \(environment\): expected an integer, received "eighty"$/m,
    );
    expect(result.stderr).toMatch(
      /^ {2}- UPSCALE \(environment\): expected true or false .*"maybe"$/m,
    );
    // A misspelt setting is one warning line naming the real one; PATH is not mentioned.
    const warnings = result.stderr.split('\n').filter((line) => line.includes('warning'));
    expect(warnings).toEqual([
      'rendition: warning: MAX_WIDHT is not a setting (ignored); did you mean MAX_WIDTH? (docs/settings.md)',
    ]);
  });

  it('prints help with the settings table', () => {
    const result = run(['help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(formatSettingsTable());
  });

  it('prints an nginx config for the current settings', () => {
    const result = run(['nginx-config', '--listen', '9090'], {
      PORT: '4001',
      MEDIA_ROOT: '/srv/media',
    });
    expect(result.status).toBe(0);
    // A bare port is this machine only, never every interface.
    expect(result.stdout).toMatch(/^\s+listen 127\.0\.0\.1:9090;$/m);
    expect(result.stdout).toMatch(/^\s+server 127\.0\.0\.1:4001;$/m);
    expect(result.stdout).toContain('root "/srv/media";');
    expect(result.stdout).toContain(`root "${join(cwd, 'var/cache')}";`);
    expect(result.stdout).not.toContain('{{');
  });

  it('refuses a malformed --listen, --allow or --upstream-timeout with the synopsis', () => {
    for (const [args, message] of [
      [['--listen', 'localhost:80'], /Expected a port or host:port .* received "localhost:80"/],
      [['--listen', '70000'], /received "70000"/],
      [
        ['--expose-ops', '--allow', '10.0.0.0/33'],
        /Expected an address, a CIDR .* "10\.0\.0\.0\/33"/,
      ],
      [['--allow', '10.0.0.0/8'], /Expected --expose-admin or --expose-ops with --allow/],
      [['--upstream-timeout', '0.5'], /whole seconds/],
      [['--app', 'django:8000'], /Expected --app as \[HOST:\]PORT .* "django:8000"/],
      [['--app', 'unix:run/app.sock'], /Expected --app unix:\/absolute\/path\.sock/],
      // The app's pages (Django's admin) and rendition's admin API would both own /admin/.
      [['--app', '8000', '--expose-admin'], /Expected --app without --expose-admin/],
    ] as const) {
      const result = run(['nginx-config', ...args]);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain('usage: rendition nginx-config');
    }
  });

  it('refuses a root nginx cannot quote', () => {
    const result = run(['nginx-config'], { MEDIA_ROOT: '/srv/my media' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/MEDIA_ROOT .* cannot quote/);
  });

  it('serves with embedded defaults under ./var and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', PORT: '0' },
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line in: ${stdout}`)), 15_000);
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      });
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(stdout).toContain(`MEDIA_ROOT=${join(cwd, 'var/media')}`);
    expect(stdout).toContain('/media/PATH/thumbnail/180x180');
    expect(stdout).toMatch(
      /^Ops: http:\/\/127\.0\.0\.1:\d+\/healthz, .*\/metrics, .*\/admin\/openapi\.json/m,
    );
    expect(stdout).toMatch(/^Admin page: http:\/\/127\.0\.0\.1:\d+\/admin\/ui /m);
    expect((await readdir(join(cwd, 'var'))).sort()).toEqual([
      'admin-token',
      'cache',
      'crop-strategy',
      'db.journal',
      // Registrations under way (src/services/registration-intents.ts): empty when idle.
      'intents',
      'media',
      'watermark-stamp',
    ]);
    expect(stdout).toMatch(/admin +token \(new, kept in .*admin-token\): [A-Za-z0-9_-]{43}/);
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
