// Behind a CDN, over real HTTP through Node: every original and rendition answer names its
// original in SURROGATE_KEY_HEADER, and a delete, replace or PPOI change calls
// PURGE_WEBHOOK_URL (a loopback receiver here) with those keys; a shutdown sends what waits.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, RED } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let receiver: WebhookReceiver;
let server: TestServer;
let plain: TestServer;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  server = await startTestServer({
    SURROGATE_KEY_HEADER: 'Surrogate-Key',
    PURGE_WEBHOOK_URL: `${receiver.url}/service/svc-1/purge`,
    PURGE_WEBHOOK_FORMAT: 'fastly',
    PURGE_WEBHOOK_HEADERS: '{"Fastly-Key": "fastly-token-1"}',
    PURGE_WEBHOOK_DELAY_MS: '200',
    HOT_CACHE_BYTES: String(8 * 1024 * 1024),
    ALLOWED_SIZES: '100x100,80x80',
  });
  plain = await startTestServer({ ALLOWED_SIZES: '100x100' });
});
afterAll(async () => {
  await server?.dispose();
  await plain?.dispose();
  await receiver?.close();
});

function admin(target: TestServer, path: string, init: RequestInit = {}) {
  return fetch(`${target.url}/admin/images/${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${target.adminToken.token}`,
      'Content-Type': 'application/json',
    },
  });
}

function purgedKeys(): string[] {
  return receiver.requests.flatMap(
    (request) => (JSON.parse(request.body) as { surrogate_keys: string[] }).surrogate_keys,
  );
}

describe('surrogate keys', () => {
  it('names the original in every answer about it: original, miss, hit, 304, HEAD, info', async () => {
    const path = 'cdn/keys/cat.jpg';
    await uploadOriginal(server.url, server.adminToken.token, await solidJpeg(300, 200, RED), path);
    const urls = [
      `/media/${path}`,
      `/media/${path}/thumbnail/100x100.webp`,
      `/media/${path}/filters/invert/crop/80x80`,
      `/media/${path}/info`,
    ];
    for (const url of urls) {
      // A miss, then a disk or memory hit.
      for (const round of [1, 2, 3]) {
        const response = await fetch(`${server.url}${url}`);
        expect(response.status, `${url} #${round}`).toBe(200);
        expect(response.headers.get('surrogate-key'), `${url} #${round}`).toBe(path);
        const etag = response.headers.get('etag');
        await response.arrayBuffer();
        if (etag !== null) {
          const revalidated = await fetch(`${server.url}${url}`, {
            headers: { 'If-None-Match': etag },
          });
          expect(revalidated.status).toBe(304);
          expect(revalidated.headers.get('surrogate-key')).toBe(path);
        }
      }
      const head = await fetch(`${server.url}${url}`, { method: 'HEAD' });
      expect(head.headers.get('surrogate-key')).toBe(path);
    }
  });

  it('percent-encodes a non-ASCII path, so the header stays ASCII', async () => {
    const path = 'cdn/keys/café.jpg';
    await uploadOriginal(server.url, server.adminToken.token, await solidJpeg(60, 40, RED), path);
    const response = await fetch(`${server.url}/media/cdn/keys/caf%C3%A9.jpg/thumbnail/100x100`);
    expect(response.status).toBe(200);
    expect(response.headers.get('surrogate-key')).toBe('cdn/keys/caf%C3%A9.jpg');
  });

  it('sends no key header unless SURROGATE_KEY_HEADER is set', async () => {
    const path = 'cdn/plain.jpg';
    await uploadOriginal(plain.url, plain.adminToken.token, await solidJpeg(60, 40, RED), path);
    const response = await fetch(`${plain.url}/media/${path}/thumbnail/100x100.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('surrogate-key')).toBeNull();
  });
});

describe('purge webhook', () => {
  it('tells the CDN of a delete, with its credentials and body', async () => {
    const path = 'cdn/hook/deleted.jpg';
    await uploadOriginal(server.url, server.adminToken.token, await solidJpeg(60, 40, RED), path);
    const before = receiver.requests.length;
    expect((await admin(server, path, { method: 'DELETE' })).status).toBe(204);
    await until(() => purgedKeys().includes(path));
    const request = receiver.requests.at(-1);
    expect(request?.url).toBe('/service/svc-1/purge');
    expect(request?.headers['fastly-key']).toBe('fastly-token-1');
    expect(receiver.requests.length).toBe(before + 1);
  });

  it('tells it of a replace and of a PPOI change, gathered into one request', async () => {
    const replaced = 'cdn/hook/replaced.jpg';
    const moved = 'cdn/hook/focus.jpg';
    const token = server.adminToken.token;
    await uploadOriginal(server.url, token, await solidJpeg(60, 40, RED), replaced);
    await uploadOriginal(server.url, token, await solidJpeg(60, 40, RED), moved);
    const before = receiver.requests.length;
    await uploadOriginal(server.url, token, await solidJpeg(60, 40, BLUE), replaced, {
      replace: true,
    });
    const patched = await admin(server, moved, {
      method: 'PATCH',
      body: JSON.stringify({ ppoi: { x: 0.2, y: 0.8 } }),
    });
    expect(patched.status).toBe(200);
    await until(() => receiver.requests.length > before);
    // Both purges fell within PURGE_WEBHOOK_DELAY_MS of the first.
    const bodies = receiver.requests.slice(before).map((request) => JSON.parse(request.body));
    expect(bodies).toEqual([{ surrogate_keys: [replaced, moved] }]);
  });

  it('tells it nothing for a refused delete', async () => {
    const before = receiver.requests.length;
    expect((await admin(server, 'cdn/hook/never-there.jpg', { method: 'DELETE' })).status).toBe(
      404,
    );
    // A purge that did happen after it arrives alone: the refused one added no key.
    const path = 'cdn/hook/after.jpg';
    await uploadOriginal(server.url, server.adminToken.token, await solidJpeg(60, 40, RED), path);
    await admin(server, path, { method: 'DELETE' });
    await until(() => receiver.requests.length > before);
    expect(receiver.requests.slice(before).map((request) => JSON.parse(request.body))).toEqual([
      { surrogate_keys: [path] },
    ]);
  });

  it('sends what is still gathering when the server stops', async () => {
    const slow = await startTestServer({
      PURGE_WEBHOOK_URL: `${receiver.url}/slow`,
      PURGE_WEBHOOK_FORMAT: 'cloudflare',
      PURGE_WEBHOOK_DELAY_MS: '60000',
    });
    try {
      const path = 'cdn/stopping.jpg';
      await uploadOriginal(slow.url, slow.adminToken.token, await solidJpeg(60, 40, RED), path);
      expect((await admin(slow, path, { method: 'DELETE' })).status).toBe(204);
      expect(receiver.requests.some((request) => request.url === '/slow')).toBe(false);
      await slow.close();
      const sent = receiver.requests.filter((request) => request.url === '/slow');
      expect(sent.map((request) => JSON.parse(request.body))).toEqual([{ tags: [path] }]);
    } finally {
      await slow.dispose();
    }
  });

  it('refuses webhook headers that are not a JSON object without echoing them', async () => {
    await expect(
      startTestServer({ PURGE_WEBHOOK_HEADERS: 'Fastly-Key: very-secret-value' }),
    ).rejects.toThrow(
      /PURGE_WEBHOOK_HEADERS \(environment\): expected a JSON object such as \{"Fastly-Key": "\.\.\."\}, received a value of 29 characters \(not shown: a credential\)/,
    );
  });
});
