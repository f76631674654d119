// The admin page's static routes on a real server: served without a token, with a strict
// CSP and nosniff, only the page's own files, and shipped in the npm package.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_UI_ASSETS } from '../../src/http/admin-ui.js';
import { requireBuiltCli, rootsIn, spawnServer } from '../helpers/child-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ ADMIN_TOKEN: 'ui-routes-test-token-0123456789' });
});
afterAll(async () => {
  // A request the page's routes cannot answer is a 404, never a 500.
  expect(server.unexpectedErrors).toEqual([]);
  await server.dispose();
});

describe('admin page routes', () => {
  it('serves the page without a token, with a strict CSP and nosniff', async () => {
    const response = await fetch(`${server.url}/admin/ui`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('<script type="module" src="ui/app.js"></script>');
    // No inline script or style: the CSP would block them.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it('serves every asset with its type, and nothing else', async () => {
    for (const [name, type] of Object.entries(ADMIN_UI_ASSETS)) {
      const response = await fetch(`${server.url}/admin/ui/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    for (const name of [
      'nope.js',
      '..%2Fpackage.json',
      '..%2F..%2Fpackage.json',
      'index.html%00',
      'App.js',
      'constructor',
      'toString',
      '__proto__',
    ]) {
      const response = await fetch(`${server.url}/admin/ui/${name}`);
      expect(response.status, name).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    const slash = await fetch(`${server.url}/admin/ui/`, { redirect: 'manual' });
    expect(slash.status).toBe(301);
    expect(new URL(slash.headers.get('location') ?? '', `${server.url}/admin/ui/`).pathname).toBe(
      '/admin/ui',
    );
  });

  it('lists every file of admin-ui/ the page is made of', async () => {
    const files = (await readdir('admin-ui')).filter((name) => name !== 'tsconfig.json');
    expect(files.sort()).toEqual(Object.keys(ADMIN_UI_ASSETS).sort());
  });

  it('leaves the admin API behind its token', async () => {
    expect((await fetch(`${server.url}/admin/images`)).status).toBe(401);
    expect((await fetch(`${server.url}/admin/key-sets`)).status).toBe(401);
  });

  it('ships the page in the npm package', async () => {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
    const paths = new Set(pack?.files.map((file) => file.path));
    for (const name of Object.keys(ADMIN_UI_ASSETS)) expect(paths).toContain(`admin-ui/${name}`);
    expect(paths).toContain('dist/http/admin-ui.js');
  });

  it('serves the page from the built server, as `npm start` runs it', async () => {
    requireBuiltCli();
    const dir = await mkdtemp(join(tmpdir(), 'rendition-ui-dist-'));
    const child = await spawnServer(await rootsIn(dir));
    try {
      for (const name of Object.keys(ADMIN_UI_ASSETS)) {
        const response = await fetch(`${child.url}/admin/ui/${name}`);
        expect(response.status, name).toBe(200);
        await response.arrayBuffer();
      }
      const page = await fetch(`${child.url}/admin/ui`);
      expect(await page.text()).toContain('ui/app.js');
    } finally {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
