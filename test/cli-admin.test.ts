// The admin commands of the built CLI (`npm test` builds dist/ first) against a real server:
// register, warm and delete over the admin API, the token and server lookups, and the errors.

import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from './helpers/cli.js';
import { jpegImage, pngImage } from './helpers/images.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
/** The CLI's cwd, and where the local files to upload are. */
let dir: string;
let jpeg: Buffer;

beforeAll(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'rendition-cli-admin-'));
  jpeg = await jpegImage(800, 600);
  await writeFile(join(dir, 'cat.jpg'), jpeg);
  await writeFile(join(dir, 'Beach Day.png'), await pngImage(64, 48));
});
afterAll(async () => {
  await server?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** `rendition <args>` pointed at `target` (default: the shared server) with its token. */
function cli(
  args: readonly string[],
  env: Record<string, string> = {},
  target: TestServer = server,
): Promise<CliResult> {
  return runCli(
    args,
    { RENDITION_URL: target.url, ADMIN_TOKEN: target.adminToken.token, ...env },
    { cwd: dir },
  );
}

async function filesUnder(root: string, prefix: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return all.filter((name) => name === prefix || name.startsWith(`${prefix}/`)).sort();
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('rendition register', () => {
  it('uploads a file to --path, warms the key set, and prints the URL set', async () => {
    const result = await cli([
      'register',
      'cat.jpg',
      '--path',
      'photos/cat.jpg',
      '--warm',
      'image',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^registered photos\/cat\.jpg \(800x600 jpeg, \d+ bytes, uploaded\)$/m,
    );
    expect(result.stdout).toMatch(
      /^ {4}small +\/media\/photos\/cat\.jpg\/thumbnail\/180x180\?v=[0-9a-f]{10}$/m,
    );
    expect(result.stdout).toMatch(/^ {2}warmed image: [1-9]\d* created, 0 existing, 0 failed$/m);

    expect((await stat(join(server.config.roots.mediaRoot, 'photos/cat.jpg'))).size).toBe(
      jpeg.length,
    );
    const cached = await filesUnder(server.config.roots.cacheRoot, 'photos/cat.jpg');
    for (const size of ['180x180', '220x220', '320x320']) {
      expect(cached.some((name) => name.startsWith(`photos/cat.jpg/thumbnail/${size}.`))).toBe(
        true,
      );
    }
  });

  it('lets the server choose the path from the file name', async () => {
    const result = await cli(['register', join(dir, 'Beach Day.png')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^registered images\/beach-day\.png \(64x48 png, /m);
    expect(server.parts.registry.get('images/beach-day.png')?.source).toEqual({
      kind: 'upload',
      fileName: 'Beach Day.png',
    });
  });

  it('prints the JSON answer with --json', async () => {
    const result = await cli(['register', 'cat.jpg', '--path', 'json/cat.jpg', '--json']);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      path: 'json/cat.jpg',
      width: 800,
      height: 600,
      format: 'jpeg',
      bytes: jpeg.length,
      source: { kind: 'upload', fileName: 'cat.jpg' },
      urls: {
        image: {
          small: expect.stringMatching(
            /^\/media\/json\/cat\.jpg\/thumbnail\/180x180\?v=[0-9a-f]{10}$/,
          ),
        },
      },
    });
  });

  it('refuses an existing path with CONFLICT, and replaces it with --replace', async () => {
    const conflict = await cli(['register', 'cat.jpg', '--path', 'json/cat.jpg']);
    expect(conflict.status).toBe(1);
    expect(conflict.stderr).toMatch(/^rendition: CONFLICT: .*\n {2}\(run again with --replace/m);
    const replaced = await cli(['register', 'cat.jpg', '--path', 'json/cat.jpg', '--replace']);
    expect(replaced.status).toBe(0);
  });

  it('sends a URL to the server, which refuses a loopback source', async () => {
    const result = await cli(['register', 'http://127.0.0.1:9/cat.jpg']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^rendition: SOURCE_ADDRESS_REFUSED: /);
  });

  it('says so when the local file does not exist', async () => {
    const result = await cli(['register', 'nope.jpg']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rendition: cannot upload nope\.jpg: no such file/);
  });

  it('reads the token from DATA_DIR/admin-token when ADMIN_TOKEN is unset', async () => {
    expect(server.adminToken.generated).toBe(true);
    const result = await runCli(
      ['register', 'cat.jpg', '--path', 'token/cat.jpg'],
      { RENDITION_URL: server.url, DATA_DIR: server.config.roots.dataDir },
      { cwd: dir },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(server.parts.registry.get('token/cat.jpg')).toBeDefined();
  });
});

describe('rendition warm', () => {
  let warmServer: TestServer;
  beforeAll(async () => {
    warmServer = await startTestServer();
    const registered = await Promise.all(
      ['w/one.jpg', 'w/two.jpg', 'w/three.jpg'].map((path) =>
        cli(['register', 'cat.jpg', '--path', path], {}, warmServer),
      ),
    );
    expect(registered.map((result) => result.status)).toEqual([0, 0, 0]);
  });
  afterAll(async () => {
    await warmServer?.dispose();
  });

  it('warms the only key set over every registered image, with progress and a summary', async () => {
    const result = await cli(['warm'], {}, warmServer);
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^warming image over 3 images$/m);
    expect(result.stderr).toMatch(/^warming image: 3\/3 images, 0 failed$/m);
    const summary = /^warmed 3 images \((\d+) renditions created\), 0 failed\n$/.exec(
      result.stdout,
    );
    expect(Number(summary?.[1])).toBeGreaterThan(0);
    for (const path of ['w/one.jpg', 'w/two.jpg', 'w/three.jpg']) {
      expect(await filesUnder(warmServer.config.roots.cacheRoot, path)).not.toEqual([]);
    }

    const again = await cli(['warm', '--key-set', 'image'], {}, warmServer);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('warmed 3 images (0 renditions created), 0 failed\n');
  });

  it('lists a broken original among --paths as a failure and exits 1', async () => {
    await warmServer.putOriginal('broken.jpg', Buffer.from('these bytes are not an image'));
    const result = await cli(
      ['warm', '--key-set', 'image', '--paths', 'w/one.jpg,broken.jpg'],
      {},
      warmServer,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^warming image: 2\/2 images, 1 failed$/m);
    expect(result.stdout).toMatch(/^warmed 1 images \(0 renditions created\), 1 failed$/m);
    expect(result.stdout).toMatch(/^ {2}broken\.jpg: [A-Z_]+: .+$/m);
  });

  it('passes on the API error for an unknown key set', async () => {
    const result = await cli(['warm', '--key-set', 'nope'], {}, warmServer);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rendition: BAD_REQUEST: .*"nope"/);
  });
});

describe('rendition delete', () => {
  it('deletes the original, its renditions and its record', async () => {
    const registered = await cli([
      'register',
      'cat.jpg',
      '--path',
      'gone/cat.jpg',
      '--warm',
      'image',
    ]);
    expect(registered.status).toBe(0);
    expect(await filesUnder(server.config.roots.cacheRoot, 'gone/cat.jpg')).not.toEqual([]);

    const result = await cli(['delete', 'gone/cat.jpg']);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('deleted gone/cat.jpg\n');
    expect(await filesUnder(server.config.roots.mediaRoot, 'gone/cat.jpg')).toEqual([]);
    expect(await filesUnder(server.config.roots.cacheRoot, 'gone/cat.jpg')).toEqual([]);
    expect(server.parts.registry.get('gone/cat.jpg')).toBeUndefined();
  });

  it('exits 1 with NOT_FOUND for a path that is not there', async () => {
    const result = await cli(['delete', 'never/was.jpg']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^rendition: NOT_FOUND: .*never\/was\.jpg/);
  });

  it('refuses a traversal path before sending anything', async () => {
    const result = await cli(['delete', '../photos/cat.jpg']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rendition: BAD_PATH: /);
    expect(server.parts.registry.get('photos/cat.jpg')).toBeDefined();
  });
});

describe('reaching the server', () => {
  it('exits 1 with UNAUTHORIZED for a wrong token, saying where the token came from', async () => {
    const result = await cli(['delete', 'photos/cat.jpg'], {
      ADMIN_TOKEN: 'not-the-token-but-long-enough',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^rendition: UNAUTHORIZED: .*\n {2}\(the token came from ADMIN_TOKEN\)$/m,
    );
    expect(server.parts.registry.get('photos/cat.jpg')).toBeDefined();
  });

  it('names the URL of a server that is not running', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(['warm'], { RENDITION_URL: url });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`cannot reach the rendition server at ${url} (ECONNREFUSED)`);
  });

  it('prefers --server to RENDITION_URL', async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const result = await cli(['warm', '--paths', 'photos/cat.jpg', '--server', server.url], {
      RENDITION_URL: unreachable,
    });
    expect(result.stderr).not.toContain('cannot reach');
    expect(result.status).toBe(0);
  });

  it('falls back to HOST and PORT, reaching a wildcard HOST on the loopback address', async () => {
    const result = await runCli(
      ['warm', '--paths', 'photos/cat.jpg'],
      { HOST: '0.0.0.0', PORT: String(server.port), ADMIN_TOKEN: server.adminToken.token },
      { cwd: dir },
    );
    expect(result.stderr).not.toContain('cannot reach');
    expect(result.status).toBe(0);
  });

  it('says how to give a token when there is none', async () => {
    const result = await runCli(
      ['warm'],
      { RENDITION_URL: server.url, DATA_DIR: join(dir, 'no-data') },
      { cwd: dir },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^rendition: no admin token: set ADMIN_TOKEN, or DATA_DIR/);
  });

  it.each([
    [['warm', '--bogus'], /^rendition: warm: Unknown option '--bogus'/],
    [['delete'], /^rendition: delete: Expected <path> but received none/],
    [['register', 'a.jpg', 'b.jpg'], /^rendition: register: Expected <file\|url> but received/],
    [
      ['warm', '--server', 'ftp://example.test'],
      /^rendition: Expected an http\(s\) URL .* --server/,
    ],
  ])('refuses bad usage (%j) with exit code 2 and the synopsis', async (args, message) => {
    const result = await cli(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
