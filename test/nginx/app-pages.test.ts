// `rendition nginx-config --app ADDRESS`: one server block for the whole site. MEDIA_URL is
// rendition's (files from its roots, misses to Node); every other URL goes to the web app,
// here a loopback HTTP server standing in for Django.

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { parseListenAddress } from '../../src/nginx/listen-address.js';
import { renderNginxConfig } from '../../src/nginx/nginx-config.js';
import { jpegImage } from '../helpers/images.js';
import {
  NGINX_TEMPLATE_URL,
  type RunningNginx,
  skipWithoutNginx,
  startNginx,
} from '../helpers/nginx.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('renderNginxConfig with an app', () => {
  const config = loadConfig({ MEDIA_ROOT: '/srv/media', CACHE_ROOT: '/srv/cache' });
  const render = async (app: Parameters<typeof renderNginxConfig>[2]['app']) =>
    renderNginxConfig(await readFile(NGINX_TEMPLATE_URL, 'utf8'), config, {
      listen: parseListenAddress('8080'),
      ...(app === undefined ? {} : { app }),
    });

  it('sends every other URL to the app upstream, with the upload cap as its body cap', async () => {
    const text = await render({ kind: 'tcp', address: parseListenAddress('127.0.0.1:8000') });
    expect(text).toMatch(/upstream app_pages \{\n\s+server 127\.0\.0\.1:8000;/);
    expect(text).toMatch(
      /location \/ \{\n\s+client_max_body_size \d+;\n\s+proxy_pass http:\/\/app_pages;/,
    );
    expect(text).toContain('every other URL to the app at 127.0.0.1:8000');
    expect(text).not.toContain("return 404 '");
  });

  it('takes a unix socket, and refuses one nginx cannot quote', async () => {
    expect(await render({ kind: 'unix', path: '/run/gunicorn.sock' })).toContain(
      'server unix:/run/gunicorn.sock;',
    );
    await expect(render({ kind: 'unix', path: '/run/my app.sock' })).rejects.toThrow(
      /cannot quote/,
    );
  });

  it('without --app, answers every other URL 404 JSON as before', async () => {
    const text = await render(undefined);
    expect(text).not.toContain('app_pages');
    expect(text).toContain("return 404 '");
  });
});

describe.skipIf(skipWithoutNginx())('one nginx for the app and rendition', () => {
  let server: TestServer;
  let app: Server;
  let nginx: RunningNginx;
  const seen: { method: string; url: string; bytes: number; forwardedFor: string }[] = [];

  beforeAll(async () => {
    server = await startTestServer({ ALLOWED_SIZES: '60x60' });
    await server.putOriginal('cat.jpg', await jpegImage(300, 200));
    app = createServer((request, response) => {
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          bytes,
          forwardedFor: String(request.headers['x-forwarded-for'] ?? ''),
        });
        response.writeHead(200, { 'Content-Type': 'text/html' });
        response.end(`<p>app page ${request.url}</p>`);
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const appPort = (app.address() as AddressInfo).port;
    nginx = await startNginx({
      config: server.config,
      dir: server.dir,
      nodePort: server.port,
      generator: { app: { kind: 'tcp', address: parseListenAddress(`127.0.0.1:${appPort}`) } },
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await new Promise((resolve) => app?.close(resolve));
    await server?.dispose();
  });

  it("serves the app's pages and forms, and rendition's media, from one address", async () => {
    const page = await fetch(`${nginx.url}/photos/1/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<p>app page /photos/1/</p>');
    // Django's admin is the app's: rendition's admin API is not forwarded alongside it.
    expect(await (await fetch(`${nginx.url}/admin/login/`)).text()).toBe(
      '<p>app page /admin/login/</p>',
    );
    // A form uploading a 3 MB photo reaches the app whole (nginx's default cap is 1 MB).
    const form = await fetch(`${nginx.url}/photos/new/`, {
      method: 'POST',
      body: new Uint8Array(3 * 1024 * 1024),
    });
    expect(form.status).toBe(200);
    expect(seen.find((request) => request.url === '/photos/new/')).toMatchObject({
      method: 'POST',
      bytes: 3 * 1024 * 1024,
      forwardedFor: '127.0.0.1',
    });

    const original = await fetch(`${nginx.url}/media/cat.jpg`);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    const thumbnail = await fetch(`${nginx.url}/media/cat.jpg/thumbnail/60x60`);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    // A media URL never reaches the app, even one Node refuses.
    const refused = await fetch(`${nginx.url}/media/cat.jpg/thumbnail/61x61`);
    expect(refused.status).toBe(400);
    expect(seen.some((request) => request.url.startsWith('/media/'))).toBe(false);
  });
});
