// Registrations and deletes that used to misbehave (issue 14, items 5, 7, 8): a DELETE of a
// directory, concurrent uploads of one file name without a path, and paths whose URL would
// never reach the original (reserved tails, over-long segments).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf } from '../helpers/admin-upload.js';
import { errorOf } from '../helpers/http.js';
import { jpegImage } from '../helpers/images.js';
import { type Hostile, registeredPath, startHostile } from './harness.js';

let hostile: Hostile;
let jpeg: Buffer;

beforeAll(async () => {
  hostile = await startHostile();
  jpeg = await jpegImage(160, 120);
});
afterAll(async () => {
  await hostile.dispose();
});

const auth = () => ({ Authorization: `Bearer ${hostile.token}` });

describe('DELETE of a directory', () => {
  it('answers 404 and purges nothing under it', async () => {
    for (const name of ['a', 'b']) {
      expect((await hostile.upload(jpeg, `${name}.jpg`, { path: `dir/${name}.jpg` })).status).toBe(
        201,
      );
      expect((await hostile.request(`/media/dir/${name}.jpg/thumbnail/50x0.jpg`)).status).toBe(200);
    }
    const before = await hostile.listing();
    const response = await hostile.request('/admin/images/dir', {
      method: 'DELETE',
      headers: auth(),
    });
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('NOT_FOUND');
    await hostile.expectRoots(before);
    for (const name of ['a', 'b']) {
      expect(await renditionFilesOf(hostile.roots.cacheRoot, `dir/${name}.jpg`)).toEqual([
        'thumbnail/50x0.jpg',
      ]);
    }
    await hostile.expectStillServing();
  });
});

describe('concurrent uploads of one file name without a path', () => {
  it('answers 201 to all ten, at ten distinct paths, each recorded', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => hostile.upload(jpeg, 'same.jpg')),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    const paths = responses.map(registeredPath);
    expect(new Set(paths).size).toBe(10);
    for (const path of paths) {
      const record = await hostile.request(`/admin/images/${path}`, { headers: auth() });
      expect(record.status).toBe(200);
      expect((await hostile.request(`/media/${path}`)).body.equals(jpeg)).toBe(true);
    }
    await hostile.expectStillServing();
  });
});

describe('paths whose URL would not reach the original', () => {
  it.each([
    ['a rendition tail', 'photos/crop/180x180.jpg'],
    ['a thumbnail tail with a format', 'photos/thumbnail/40x30.jpg'],
    ['a malformed size tail', 'photos/crop/0180x180.jpg'],
    ['a segment over 255 bytes', `${'a'.repeat(252)}.jpg`],
    ['a nested segment over 255 bytes', `photos/${'é'.repeat(130)}.jpg`],
    ['a dotfile (never served)', '.hidden.jpg'],
    ['a file in a dot directory', 'photos/.cache/x.jpg'],
  ])('refuses %s with 400 and writes nothing', async (_, path) => {
    const before = await hostile.listing();
    const response = await hostile.upload(jpeg, 'x.jpg', { path });
    expect(response.status, response.body.toString()).toBe(400);
    expect(errorOf(response).code).toBe('BAD_PATH');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('chooses around a reserved tail when the upload has no path', async () => {
    const prefixed = await startHostile({ UPLOAD_PREFIX: 'uploads/crop' });
    try {
      const response = await prefixed.upload(jpeg, '180x180.jpg');
      expect(response.status, response.body.toString()).toBe(201);
      const path = registeredPath(response);
      expect(path).not.toBe('uploads/crop/180x180.jpg');
      expect((await prefixed.request(`/media/${path}`)).body.equals(jpeg)).toBe(true);
      expect(path).toMatch(/^uploads\/crop\/180x180-[0-9a-f]{6}\.jpg$/);
    } finally {
      await prefixed.dispose();
    }
  });
});
