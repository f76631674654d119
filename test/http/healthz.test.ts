// GET /healthz reports readiness: 200 while the roots are writable and the registry is loaded,
// 503 with the failing check named when not (test/services/health-check.test.ts covers the
// registry and draining checks).

import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface Health {
  status: string;
  checks: Record<string, string>;
}

async function health(server: TestServer): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: (await response.json()) as Health };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

describe('GET /healthz', () => {
  it('answers 200 with every check ok', async () => {
    server = await startTestServer();
    expect(await health(server)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        checks: {
          mediaRoot: 'ok',
          cacheRoot: 'ok',
          dataDir: 'ok',
          originals: 'ok',
          registry: 'ok',
          server: 'ok',
        },
      },
    });
  });

  it.each(['mediaRoot', 'cacheRoot', 'dataDir'] as const)(
    'answers 503 naming %s when it is gone',
    async (root) => {
      server = await startTestServer();
      await rm(server.config.roots[root], { recursive: true, force: true });
      const { status, body } = await health(server);
      expect(status).toBe(503);
      expect(body.status).toBe('unavailable');
      const others = Object.keys(body.checks).filter((name) => name !== root);
      expect(body.checks[root]).toBe('missing');
      for (const name of others) expect(body.checks[name], name).toBe('ok');
    },
  );
});
