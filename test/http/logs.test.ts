// The JSON log over real HTTP: one access line per request with its outcome and error code,
// error lines with the stack (never sent to clients), LOG_LEVEL and ACCESS_LOG, and no token
// anywhere in the output.

import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

function parsed(server: TestServer): LogLine[] {
  return server.logLines().map((line) => JSON.parse(line) as LogLine);
}

function accessLines(server: TestServer): LogLine[] {
  return parsed(server).filter((line) => line.msg === 'request');
}

async function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  return response.status;
}

describe('access log', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await server.putOriginal('cat.jpg', await jpegImage(400, 300));
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('writes one JSON line per request with status, duration, outcome and error code', async () => {
    const rendition = `${server.url}/media/cat.jpg/thumbnail/180x180.jpg`;
    expect(await get(rendition)).toBe(200);
    expect(await get(rendition)).toBe(200);
    expect(await get(`${server.url}/media/nope.jpg/crop/180x180`)).toBe(404);
    expect(await get(`${server.url}/healthz`)).toBe(200);
    const lines = accessLines(server);
    expect(lines).toHaveLength(4);
    expect(
      lines.map(({ method, path, status, outcome, code }) => ({
        method,
        path,
        status,
        outcome,
        code,
      })),
    ).toEqual([
      {
        method: 'GET',
        path: '/media/cat.jpg/thumbnail/180x180.jpg',
        status: 200,
        outcome: 'miss',
        code: undefined,
      },
      {
        method: 'GET',
        path: '/media/cat.jpg/thumbnail/180x180.jpg',
        status: 200,
        outcome: 'hit',
        code: undefined,
      },
      {
        method: 'GET',
        path: '/media/nope.jpg/crop/180x180',
        status: 404,
        outcome: 'none',
        code: 'ORIGINAL_NOT_FOUND',
      },
      { method: 'GET', path: '/healthz', status: 200, outcome: 'none', code: undefined },
    ]);
    for (const line of lines) {
      expect(line.level).toBe('info');
      expect(typeof line.durationMs).toBe('number');
      expect(line.durationMs).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
  });

  it('never logs the admin token, whether it is right, wrong, or in the query', async () => {
    const token = server.adminToken.token;
    const wrong = 'wrong-token-but-still-a-secret-0123456789';
    const form = new FormData();
    form.set('file', new Blob([await jpegImage(200, 100)]), 'dog.jpg');
    const registered = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    });
    expect(registered.status).toBe(201);
    expect(
      await get(`${server.url}/admin/images?token=${token}`, { Authorization: `Bearer ${token}` }),
    ).toBe(200);
    expect(await get(`${server.url}/admin/key-sets`, { Authorization: `Bearer ${wrong}` })).toBe(
      401,
    );
    expect(await get(`${server.url}/media/cat.jpg`, { Authorization: `Bearer ${token}` })).toBe(
      200,
    );
    const output = server.logLines().join('');
    expect(output).toContain('/admin/images');
    expect(output).toContain('"code":"UNAUTHORIZED"');
    expect(output).not.toContain(token);
    expect(output).not.toContain(wrong);
    expect(output.toLowerCase()).not.toContain('authorization');
    expect(output.toLowerCase()).not.toContain('bearer');
  });

  it('logs a failure with its stack server-side while the client gets its image', async () => {
    // A directory symlink planted in CACHE_ROOT makes the cache write fail (BAD_PATH) after a
    // good render: the rendition is answered from memory, the failure is logged server-side.
    const outside = join(server.dir, 'elsewhere');
    await mkdir(outside);
    await server.putOriginal('planted.jpg', await jpegImage(50, 50));
    await symlink(outside, join(server.config.roots.cacheRoot, 'planted.jpg'));
    const response = await fetch(`${server.url}/media/planted.jpg/thumbnail/180x180.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    await response.arrayBuffer();
    const errors = parsed(server).filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    const err = errors[0]?.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('AppError');
    expect(err.stack).toMatch(/\n\s+at /);
    expect(errors[0]).toMatchObject({
      msg: 'rendition not cached (answered from memory)',
      file: 'planted.jpg/thumbnail/180x180.jpg',
    });
  });
});

describe('log settings', () => {
  it('writes no access line with ACCESS_LOG=false', async () => {
    const server = await startTestServer({ ACCESS_LOG: 'false' });
    try {
      await server.putOriginal('cat.jpg', await jpegImage(100, 100));
      expect(await get(`${server.url}/media/cat.jpg/thumbnail/180x180.jpg`)).toBe(200);
      expect(await get(`${server.url}/nope`)).toBe(404);
      expect(accessLines(server)).toEqual([]);
    } finally {
      await server.dispose();
    }
  });

  it('writes only lines at LOG_LEVEL or above', async () => {
    const server = await startTestServer({ LOG_LEVEL: 'warn' });
    try {
      expect(await get(`${server.url}/healthz`)).toBe(200);
      expect(await get(`${server.url}/nope`)).toBe(404);
      expect(server.logLines()).toEqual([]);
      // An error line still gets through (a cache write made to fail, as above).
      const outside = join(server.dir, 'elsewhere');
      await mkdir(outside);
      await server.putOriginal('planted.jpg', await jpegImage(50, 50));
      await symlink(outside, join(server.config.roots.cacheRoot, 'planted.jpg'));
      expect(await get(`${server.url}/media/planted.jpg/thumbnail/180x180.jpg`)).toBe(200);
      expect(parsed(server).map((line) => [line.level, line.msg])).toEqual([
        ['error', 'rendition not cached (answered from memory)'],
      ]);
    } finally {
      await server.dispose();
    }
  });
});
