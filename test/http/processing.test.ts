// Processing over real HTTP on 127.0.0.1: the pad sizer, geometry settings, and what the
// renditions look like when decoded.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, rawRequest } from '../helpers/http.js';
import { alphaAt, colourAt, inspect, jpegImage, near, RED, WHITE } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({});
  await server.putOriginal('photos/wide.jpg', await jpegImage(800, 400));
});
afterAll(async () => {
  await server.dispose();
});

const get = (target: string, headers: Record<string, string> = {}) =>
  rawRequest(server.url, target, { headers });
const cached = (relative: string) => existsSync(join(server.config.roots.cacheRoot, relative));

describe('pad over HTTP', () => {
  it('answers exactly WxH with transparent bars where the format has alpha', async () => {
    const response = await get('/media/photos/wide.jpg/pad/180x180', { Accept: 'image/avif' });
    expect(response.status, response.body.toString()).toBe(200);
    expect(response.headers['content-type']).toBe('image/avif');
    expect(await inspect(response.body)).toMatchObject({ width: 180, height: 180, hasAlpha: true });
    expect(await alphaAt(response.body, 0.5, 0.05)).toBe(0);
    expect(near(await colourAt(response.body, 0.25, 0.5), RED)).toBe(true);
    expect(cached('photos/wide.jpg/pad/180x180.avif')).toBe(true);
  });

  it('pads with white when the JPEG original keeps its format', async () => {
    const response = await get('/media/photos/wide.jpg/pad/180x180');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(await inspect(response.body)).toMatchObject({ width: 180, height: 180 });
    expect(near(await colourAt(response.body, 0.5, 0.05), WHITE, 8)).toBe(true);
    expect(cached('photos/wide.jpg/pad/180x180.fallback.jpg')).toBe(true);
  });

  it('follows the sizes policy like every sizer', async () => {
    const response = await get('/media/photos/wide.jpg/pad/351x351');
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('SIZE_NOT_ALLOWED');
    expect(cached('photos/wide.jpg/pad/351x351.fallback.jpg')).toBe(false);
  });
});
