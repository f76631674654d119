import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_KEY_SETS,
  loadConfig,
  settingTypos,
} from '../../src/config/load-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function problemsOf(attempt: () => unknown): readonly string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has embedded defaults under ./var and the article key sets', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.roots).toEqual({
      mediaRoot: '/srv/app/var/media',
      cacheRoot: '/srv/app/var/cache',
      dataDir: '/srv/app/var',
    });
    expect(config.http.mediaUrl).toBe('/media');
    expect(config.keySets).toEqual(DEFAULT_KEY_SETS);
    expect([...config.sizes.allowed].sort()).toEqual(['180x180', '220x220', '320x320']);
    expect(config.negotiation.preferred).toEqual(['avif', 'webp']);
    expect(Object.isFrozen(config.render)).toBe(true);
  });

  it('reads typed values from the environment', () => {
    const config = loadConfig({
      PORT: '8081',
      MEDIA_URL: '/img/',
      NEGOTIATE_FORMATS: '',
      ALLOWED_SIZES: '350x350, 640x0',
      ARBITRARY_SIZES: 'yes',
      UPSCALE: 'true',
    });
    expect(config.server.port).toBe(8081);
    expect(config.http.mediaUrl).toBe('/img');
    expect(config.negotiation.preferred).toEqual([]);
    expect(config.sizes.allowed.has('640x0')).toBe(true);
    expect(config.sizes.arbitrary).toBe(true);
    expect(config.render.upscale).toBe(true);
  });

  it('reports every bad setting at once, by name', () => {
    const problems = problemsOf(() =>
      loadConfig({
        PORT: 'eighty',
        MAX_WIDTH: '0',
        NEGOTIATE_FORMATS: 'avif,gif',
        MEDIA_URL: 'media',
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/^PORT \(environment\): .*"eighty"/m);
    expect(problems.join('\n')).toMatch(/^MAX_WIDTH /m);
    expect(problems.join('\n')).toMatch(/^NEGOTIATE_FORMATS /m);
    expect(problems.join('\n')).toMatch(/^MEDIA_URL /m);
  });

  it.each([
    [
      { MEDIA_ROOT: '/srv/x', CACHE_ROOT: '/srv/x/cache' },
      /MEDIA_ROOT .* CACHE_ROOT .* must not contain/,
    ],
    [{ MEDIA_ROOT: '/srv/x/media', CACHE_ROOT: '/srv/x/media' }, /must not contain/],
    [
      { MEDIA_ROOT: '/srv/m', CACHE_ROOT: '/srv/c', DATA_DIR: '/srv/m' },
      /DATA_DIR .* must not be inside/,
    ],
    [
      { MEDIA_ROOT: '/srv/m', CACHE_ROOT: '/srv/c', DATA_DIR: '/srv/c/data' },
      /DATA_DIR .* must not be inside/,
    ],
    // `/` contains everything (a prefix test on `//` would let this through).
    [{ MEDIA_ROOT: '/', CACHE_ROOT: '/srv/c', DATA_DIR: '/srv/d' }, /must not contain/],
  ])('refuses overlapping roots %j', (env, message) => {
    expect(problemsOf(() => loadConfig(env))[0]).toMatch(message);
  });

  it.each(['..', 'a/../b', './x', '/abs', 'a//b'])(
    'refuses UPLOAD_PREFIX %j at start',
    (prefix) => {
      expect(problemsOf(() => loadConfig({ UPLOAD_PREFIX: prefix })).join('\n')).toMatch(
        /^UPLOAD_PREFIX /m,
      );
    },
  );

  it('reads key sets and settings from CONFIG_FILE, the environment winning', async () => {
    const file = join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        keySets: { avatar: { tiny: 'crop__48x48', big: 'thumbnail__512x0' } },
        allowedSizes: ['100x100'],
        jpegQuality: 70,
        port: 4000,
      }),
    );
    const config = loadConfig({ CONFIG_FILE: file, PORT: '5000' });
    expect(config.keySets).toEqual({
      avatar: {
        tiny: { sizer: 'crop', width: 48, height: 48 },
        big: { sizer: 'thumbnail', width: 512, height: 0 },
      },
    });
    expect([...config.sizes.allowed].sort()).toEqual(['100x100', '48x48', '512x0']);
    expect(config.encoder.jpegQuality).toBe(70);
    expect(config.server.port).toBe(5000);
  });

  it('names bad key set entries, unknown keys and unreadable files', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({ keySets: { image: { small: 'resize__10x10' } }, colour: 'red' }),
    );
    const problems = problemsOf(() => loadConfig({ CONFIG_FILE: file }));
    expect(problems).toEqual([
      expect.stringMatching(/^CONFIG_FILE keySets\.image\.small: .*"resize__10x10"/),
      'CONFIG_FILE: unknown key "colour"',
    ]);
    expect(problemsOf(() => loadConfig({ CONFIG_FILE: join(dir, 'missing.json') }))[0]).toMatch(
      /ENOENT/,
    );
    await writeFile(join(dir, 'broken.json'), '{"keySets": ');
    expect(problemsOf(() => loadConfig({ CONFIG_FILE: join(dir, 'broken.json') }))[0]).toMatch(
      /JSON/,
    );
  });

  it("shows the setting's own message, not the union's", () => {
    expect(problemsOf(() => loadConfig({ PORT: 'abc', UPSCALE: 'maybe' }))).toEqual([
      'PORT (environment): expected an integer, received "abc"',
      'UPSCALE (environment): expected true or false (or 1, yes, on, 0, no, off), received "maybe"',
    ]);
    expect(problemsOf(() => loadConfig({ PORT: '70000' }))[0]).toMatch(
      /^PORT \(environment\): Too big: expected number to be <=65535, received "70000"$/,
    );
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['On', true],
    ['yes', true],
    ['1', true],
    [' off ', false],
    ['NO', false],
    ['0', false],
    ['False', false],
  ])('reads the boolean %j as %s', (value, expected) => {
    expect(loadConfig({ UPSCALE: value }).render.upscale).toBe(expected);
  });

  it('suggests the nearest key for an unknown CONFIG_FILE key', async () => {
    const file = join(dir, 'typos.json');
    await writeFile(file, JSON.stringify({ keysets: {}, jpegQuailty: 70 }));
    expect(problemsOf(() => loadConfig({ CONFIG_FILE: file }))).toEqual([
      'CONFIG_FILE: unknown key "keysets"; did you mean "keySets"?',
      'CONFIG_FILE: unknown key "jpegQuailty"; did you mean "jpegQuality"?',
    ]);
  });
});

describe('settingTypos', () => {
  it('names the setting a misspelt environment variable resembles', () => {
    expect(
      settingTypos({ PROT: '80', MAX_WIDHT: '10', ALLOWED_SIZE: '1x1', port: '1', PORT: '2' }),
    ).toEqual([
      'PROT is not a setting (ignored); did you mean PORT? (docs/settings.md)',
      'MAX_WIDHT is not a setting (ignored); did you mean MAX_WIDTH? (docs/settings.md)',
      'ALLOWED_SIZE is not a setting (ignored); did you mean ALLOWED_SIZES? (docs/settings.md)',
      'port is not a setting (ignored); did you mean PORT? (docs/settings.md)',
    ]);
  });

  it('leaves unrelated variables alone', () => {
    const env = {
      PATH: '/bin',
      HOME: '/root',
      HOSTNAME: 'x',
      PWD: '/',
      NODE_ENV: 'production',
      REDIS_URL: 'redis://',
      RENDITION_URL: 'http://127.0.0.1:3000',
      CONFIG_FILE: 'a.json',
      DATABASE_URL: '',
    };
    expect(settingTypos(env)).toEqual([]);
  });
});
