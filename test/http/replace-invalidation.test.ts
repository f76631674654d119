// Replacing an original over real HTTP through Node alone: once the replace has answered, no
// old rendition is served (disk or in-memory hot cache), the validators change even for a
// same-size rendition in the same second, the URL sets get a new version, and no file of
// the old renditions remains.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, GREEN, near, RED } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.dispose());

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${url}`, { headers });
  return {
    status: response.status,
    etag: response.headers.get('etag') ?? '',
    lastModified: response.headers.get('last-modified') ?? '',
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe('replace through Node', () => {
  it('never serves an old rendition once the replace has answered', async () => {
    const path = 'replace/pic.jpg';
    const token = server.adminToken.token;
    const first = await uploadOriginal(server.url, token, await solidJpeg(400, 300, RED), path, {
      warm: 'image',
    });
    const urls = [
      '/media/replace/pic.jpg/thumbnail/180x180.jpg',
      '/media/replace/pic.jpg/thumbnail/220x220',
      '/media/replace/pic.jpg/crop/320x320.webp',
    ];
    const before: Record<string, { etag: string; lastModified: string }> = {};
    for (const url of urls) {
      // Three times: a miss or disk hit, then from the in-memory hot cache.
      for (let i = 0; i < 3; i += 1) {
        const reply = await get(url, { Accept: 'image/webp,*/*' });
        expect(reply.status, url).toBe(200);
        expect(near(await colourAt(reply.body, 0.5, 0.5), RED), url).toBe(true);
        before[url] = reply;
      }
      const notModified = await get(url, {
        Accept: 'image/webp,*/*',
        'If-None-Match': before[url]?.etag ?? '',
      });
      expect(notModified.status).toBe(304);
    }
    expect(await renditionFilesOf(server.config.roots.cacheRoot, path)).not.toEqual([]);

    // Same size, same format, another colour: the renditions' byte counts may well match.
    const second = await uploadOriginal(server.url, token, await solidJpeg(400, 300, BLUE), path, {
      replace: true,
    });
    expect(await renditionFilesOf(server.config.roots.cacheRoot, path)).toEqual([]);
    expect(second.urls.image?.small).not.toBe(first.urls.image?.small);
    expect(second.urls.image?.small?.split('?')[0]).toBe(first.urls.image?.small?.split('?')[0]);

    for (const url of urls) {
      const old = before[url] ?? { etag: '', lastModified: '' };
      // A browser revalidating with the old validators must get the new bytes, not a 304.
      const reply = await get(url, {
        Accept: 'image/webp,*/*',
        'If-None-Match': old.etag,
        'If-Modified-Since': old.lastModified,
      });
      expect(reply.status, url).toBe(200);
      const colour = await colourAt(reply.body, 0.5, 0.5);
      expect(near(colour, BLUE) && !near(colour, GREEN), `${url}: ${JSON.stringify(colour)}`).toBe(
        true,
      );
      expect(reply.etag).not.toBe(old.etag);
      expect(Date.parse(reply.lastModified)).toBeGreaterThan(Date.parse(old.lastModified));
      // And again, now from the disk or the hot cache: still the new one.
      const again = await get(url, { Accept: 'image/webp,*/*' });
      expect(near(await colourAt(again.body, 0.5, 0.5), BLUE)).toBe(true);
      expect(again.etag).toBe(reply.etag);
    }
    // The versioned URLs of the new answer serve the new renditions too (the query is ignored).
    const versioned = await get(second.urls.image?.large ?? '');
    expect(near(await colourAt(versioned.body, 0.5, 0.5), BLUE)).toBe(true);
    expect(server.unexpectedErrors).toEqual([]);
  });
});
