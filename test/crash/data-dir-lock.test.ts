// Start-up guards of the BUILT server (issue 14, items 4 and 10): DATA_DIR's lock dies with
// its holder (a SIGKILL, a reboot reusing its pid), and roots are compared by real path.

import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireBuiltCli,
  rootsIn,
  serveExpectingRefusal,
  spawnServer,
} from '../helpers/child-server.js';
import { rawRequest } from '../helpers/http.js';
import { jpegImage } from '../helpers/images.js';

let dir: string;
beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'rendition-start-guards-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("DATA_DIR's lock", () => {
  it('keeps a second server out while the first lives, and dies with it', async () => {
    const roots = await rootsIn(join(dir, 'lock'));
    const first = await spawnServer(roots);
    const second = await serveExpectingRefusal(roots);
    expect(second.listened, second.output).toBe(false);
    expect(second.output).toContain('is in use by another rendition process');
    first.child.kill('SIGKILL');
    await first.exited;
    // What a reboot leaves: a pid file of an older version naming a pid that lives again.
    await writeFile(join(roots.dataDir, 'db.lock'), '1\n');
    const third = await spawnServer(roots);
    expect((await rawRequest(third.url, '/healthz')).status).toBe(200);
    expect((await third.stop('SIGTERM')).code).toBe(0);
  });
});

describe('roots compared by real path', () => {
  it('refuses a DATA_DIR that is inside MEDIA_ROOT through a symlink, serving nothing', async () => {
    const roots = await rootsIn(join(dir, 'data-in-media'));
    await mkdir(join(roots.mediaRoot, 'state'));
    await symlink(join(roots.mediaRoot, 'state'), join(dir, 'data-link'));
    const result = await serveExpectingRefusal({ ...roots, dataDir: join(dir, 'data-link') });
    expect(result.listened, result.output).toBe(false);
    expect(result.output).toContain('must not be inside MEDIA_ROOT');
    expect(await readdir(join(roots.mediaRoot, 'state'))).toEqual([]);
  });

  it('refuses a CACHE_ROOT that is MEDIA_ROOT through a symlink, evicting nothing', async () => {
    const roots = await rootsIn(join(dir, 'cache-is-media'));
    const original = await jpegImage(200, 100);
    await writeFile(join(roots.mediaRoot, 'kept.jpg'), original);
    await symlink(roots.mediaRoot, join(dir, 'cache-link'));
    const result = await serveExpectingRefusal(
      { ...roots, cacheRoot: join(dir, 'cache-link') },
      { CACHE_MAX_BYTES: '1' },
    );
    expect(result.listened, result.output).toBe(false);
    expect(result.output).toContain('must not contain each other');
    expect((await readFile(join(roots.mediaRoot, 'kept.jpg'))).equals(original)).toBe(true);
  });
});
