// In-root symlinks (`alias-dir -> photos`, `latest.jpg -> photos/a.jpg`): the original is
// served through them, but renditions, /info, warms, registrations and deletes use the real
// path only, so a replace or delete of the original leaves no rendition behind anywhere
// (issue 14, item 9). Over HTTP to Node and through the shipped nginx config.

import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { BLUE, RED } from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';

const skip = skipWithoutNginx();

describe.skipIf(skip)('in-root symlinks', () => {
  let stack: NginxStack | undefined;
  let configDir: string;
  const parts = () => stack as NginxStack;
  const viaNode = (path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${parts().server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${parts().server.adminToken.token}`,
        ...(init.json === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  const viaNginx = (path: string) => rawRequest(`http://127.0.0.1:${parts().nginx.port}`, path);

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'rendition-alias-'));
    const configFile = join(configDir, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({ keySets: { image: { small: 'thumbnail__100x100' } } }),
    );
    stack = await startNginxStack({ CONFIG_FILE: configFile });
    const { server } = parts();
    await uploadOriginal(
      server.url,
      server.adminToken.token,
      await solidJpeg(400, 300, RED),
      'photos/a.jpg',
    );
    const media = server.config.roots.mediaRoot;
    await symlink('photos', join(media, 'alias-dir'));
    await symlink('photos/a.jpg', join(media, 'latest.jpg'));
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
    await rm(configDir, { recursive: true, force: true });
  });

  const ALIASES = ['alias-dir/a.jpg', 'latest.jpg'];

  it('serves the original through an alias, from Node and from nginx', async () => {
    const original = await readFile(join(parts().server.config.roots.mediaRoot, 'photos/a.jpg'));
    for (const alias of ALIASES) {
      const fromNode = await rawRequest(parts().server.url, `/media/${alias}`);
      expect(fromNode.status, alias).toBe(200);
      expect(fromNode.body.equals(original)).toBe(true);
      const fromNginx = await viaNginx(`/media/${alias}`);
      expect(fromNginx.status, alias).toBe(200);
      expect(fromNginx.body.equals(original)).toBe(true);
    }
  });

  it('refuses renditions and /info of an alias with 400 ALIAS_PATH naming the real path', async () => {
    for (const alias of ALIASES) {
      for (const tail of ['thumbnail/100x100', 'thumbnail/100x100.webp', 'info']) {
        for (const reply of [
          await rawRequest(parts().server.url, `/media/${alias}/${tail}`),
          await viaNginx(`/media/${alias}/${tail}`),
        ]) {
          expect(reply.status, `${alias}/${tail}`).toBe(400);
          const error = errorOf(reply);
          expect(error.code).toBe('ALIAS_PATH');
          expect(error.message).toContain('"photos/a.jpg"');
          expect(error.message).toContain(`"${alias}"`);
        }
      }
    }
    // Nothing was rendered or cached under any name.
    const cached = await readdir(parts().server.config.roots.cacheRoot);
    expect(cached.filter((name) => !name.startsWith(':'))).toEqual([]);
  });

  it('refuses a registration, warm and delete through an alias, changing nothing', async () => {
    const { server } = parts();
    const media = server.config.roots.mediaRoot;
    const form = new FormData();
    form.set('path', 'alias-dir/b.jpg');
    form.set('file', new Blob([await solidJpeg(64, 64, BLUE)]), 'b.jpg');
    const registered = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
    });
    expect(registered.status).toBe(400);
    expect(((await registered.json()) as { error: { code: string } }).error.code).toBe(
      'ALIAS_PATH',
    );
    await expect(stat(join(media, 'photos/b.jpg'))).rejects.toThrow(/ENOENT/);
    expect((await viaNode('/admin/images/alias-dir/b.jpg')).status).toBe(404);

    const warmed = await viaNode('/admin/images/latest.jpg/warm', {
      method: 'POST',
      json: { keySets: ['image'] },
    });
    expect(warmed.status).toBe(400);

    for (const alias of ALIASES) {
      const deleted = await viaNode(`/admin/images/${alias}`, { method: 'DELETE' });
      expect(deleted.status, alias).toBe(400);
      expect(((await deleted.json()) as { error: { code: string } }).error.code).toBe('ALIAS_PATH');
    }
    expect((await stat(join(media, 'photos/a.jpg'))).isFile()).toBe(true);
    expect((await viaNode('/admin/images/photos/a.jpg')).status).toBe(200);
  });

  it('leaves no rendition anywhere once the real original is replaced, then deleted', async () => {
    const { server } = parts();
    const cacheRoot = server.config.roots.cacheRoot;
    expect((await viaNginx('/media/photos/a.jpg/thumbnail/100x100.jpg')).status).toBe(200);
    expect(await renditionFilesOf(cacheRoot, 'photos/a.jpg')).toEqual(['thumbnail/100x100.jpg']);
    await uploadOriginal(
      server.url,
      server.adminToken.token,
      await solidJpeg(400, 300, BLUE),
      'photos/a.jpg',
      {
        replace: true,
      },
    );
    expect(await renditionFilesOf(cacheRoot, 'photos/a.jpg')).toEqual([]);
    expect((await viaNginx('/media/photos/a.jpg/thumbnail/100x100.jpg')).status).toBe(200);
    expect((await viaNode('/admin/images/photos/a.jpg', { method: 'DELETE' })).status).toBe(204);
    const left = await readdir(cacheRoot, { recursive: true, withFileTypes: true });
    expect(left.filter((entry) => entry.isFile()).map((entry) => entry.name)).toEqual([]);
    expect((await viaNginx('/media/photos/a.jpg/thumbnail/100x100.jpg')).status).toBe(404);
    expect(server.unexpectedErrors).toEqual([]);
  });
});
