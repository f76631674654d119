// A misspelt rendition URL of an existing original answers 400 BAD_RENDITION_URL with the
// nearest canonical URL; a missing original is still 404, and canonical URLs are unchanged.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await server.putOriginal('photos/cat.jpg', await jpegImage(400, 300));
});
afterAll(() => server.dispose());

async function errorAt(path: string): Promise<{ status: number; code: string; message: string }> {
  const response = await fetch(`${server.url}/media/${path}`);
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, ...body.error };
}

describe('misspelt rendition URLs', () => {
  it.each([
    ['photos/cat.jpg/thumbnial/180x180', '/media/photos/cat.jpg/thumbnail/180x180'],
    ['photos/cat.jpg/thumbnail/180X180', '/media/photos/cat.jpg/thumbnail/180x180'],
    ['photos/cat.jpg/corp/320x320.WEBP', '/media/photos/cat.jpg/crop/320x320.webp'],
    [
      'photos/cat.jpg/filters/blurr/thumbnail/180x180',
      '/media/photos/cat.jpg/filters/blur/thumbnail/180x180',
    ],
  ])('%s suggests %s', async (path, url) => {
    const error = await errorAt(path);
    expect(error.status).toBe(400);
    expect(error.code).toBe('BAD_RENDITION_URL');
    expect(error.message).toContain(`Expected a rendition URL such as "${url}"`);
    expect(error.message).toContain('after the original "photos/cat.jpg"');
  });

  it('answers 404 when no original precedes the tail, or the tail is no rendition', async () => {
    for (const path of ['photos/dog.jpg/thumbnial/180x180', 'photos/cat.jpg/about/me']) {
      const error = await errorAt(path);
      expect([error.status, error.code], path).toEqual([404, 'ORIGINAL_NOT_FOUND']);
    }
  });

  it('leaves canonical URLs alone', async () => {
    const response = await fetch(`${server.url}/media/photos/cat.jpg/thumbnail/180x180`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(server.unexpectedErrors).toEqual([]);
  });
});
