// The readiness report: every check is named, and any failing one makes it unavailable.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealthCheck } from '../../src/services/health-check.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'health-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createHealthCheck', () => {
  const roots = () => ({ mediaRoot: dir, cacheRoot: dir, dataDir: dir });
  const checkWithOriginals = (originals: string) =>
    createHealthCheck({
      roots: roots(),
      originals: async () => originals,
      registry: () => 'ok',
      draining: () => false,
    });

  it('is ok when the roots are writable, the registry loaded and the server not draining', async () => {
    expect((await checkWithOriginals('ok')()).status).toBe('ok');
  });

  it('names an originals store that does not answer', async () => {
    const check = checkWithOriginals('bucket media: it did not answer in time');
    expect(await check()).toMatchObject({
      status: 'unavailable',
      checks: { originals: 'bucket media: it did not answer in time', registry: 'ok' },
    });
  });

  it('names a registry not loaded and a server shutting down', async () => {
    let loaded = true;
    let draining = false;
    const check = createHealthCheck({
      roots: roots(),
      originals: async () => 'ok',
      registry: () => (loaded ? 'ok' : 'not loaded'),
      draining: () => draining,
    });
    loaded = false;
    expect(await check()).toMatchObject({
      status: 'unavailable',
      checks: { registry: 'not loaded', server: 'ok' },
    });
    loaded = true;
    draining = true;
    expect(await check()).toMatchObject({
      status: 'unavailable',
      checks: { registry: 'ok', server: 'shutting down' },
    });
  });
});
