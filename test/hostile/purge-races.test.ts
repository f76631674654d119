// DELETE and replace of an original while renders of it keep arriving (issue 14, item 2).
// Renders landing in the middle of a purge used to make its recursive rm throw ENOTEMPTY:
// the DELETE answered 500 with the record gone and renditions left on disk. Every round here:
// the admin call answers 2xx, no render answers 5xx, no rendition of the old original is
// left, and the record matches the file on disk.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, near, RED, type Rgb } from '../helpers/images.js';
import { rawRequest } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ROUNDS = Number(process.env.RENDITION_PURGE_ROUNDS ?? 80);
const RENDER_WORKERS = 4;

let server: TestServer;
let red: Buffer;
let blue: Buffer;
beforeAll(async () => {
  server = await startTestServer({ ARBITRARY_SIZES: 'true', MAX_WIDTH: '400', MAX_HEIGHT: '400' });
  red = await solidJpeg(320, 240, RED);
  blue = await solidJpeg(320, 240, BLUE);
});
afterAll(() => server.dispose());

/** Renders of `path` at ever new sizes until stopped; every status seen is counted. */
function renderLoop(path: string): { stop: () => Promise<Map<number, number>> } {
  const statuses = new Map<number, number>();
  let running = true;
  let width = 20;
  const workers = Array.from({ length: RENDER_WORKERS }, async () => {
    while (running) {
      width = width >= 390 ? 20 : width + 1;
      const response = await rawRequest(server.url, `/media/${path}/thumbnail/${width}x0.jpg`);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return statuses;
    },
  };
}

/** Waits until at least `count` renditions of `path` are on disk. */
async function renditionsLanded(path: string, count: number): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if ((await renditionFilesOf(server.config.roots.cacheRoot, path)).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function fiveHundreds(statuses: Map<number, number>): number {
  return [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
}

async function coloursLeft(path: string): Promise<Rgb[]> {
  const dir = join(server.config.roots.cacheRoot, path);
  const files = await renditionFilesOf(server.config.roots.cacheRoot, path);
  return Promise.all(
    files.map(async (file) => colourAt(await readFile(join(dir, file)), 0.5, 0.5)),
  );
}

/** No failed round, and no server error (its stack beside the failures: what a 500 was). */
function expectNoFailures(failures: string[]): void {
  const errors = server.unexpectedErrors.map((e) => (e instanceof Error ? e.stack : String(e)));
  expect({ failures, errors }).toEqual({ failures: [], errors: [] });
}

describe('purge under a render loop', () => {
  it(`DELETE: ${ROUNDS} rounds, no 5xx, nothing left, nothing listed`, async () => {
    const token = server.adminToken.token;
    const auth = { Authorization: `Bearer ${token}` };
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const path = `race/delete-${round % 4}.jpg`;
      await uploadOriginal(server.url, token, red, path);
      const loop = renderLoop(path);
      await renditionsLanded(path, 12);
      const deleted = await rawRequest(server.url, `/admin/images/${path}`, {
        method: 'DELETE',
        headers: auth,
      });
      const statuses = await loop.stop();
      const record = await rawRequest(server.url, `/admin/images/${path}`, { headers: auth });
      const left = await renditionFilesOf(server.config.roots.cacheRoot, path);
      const original = await rawRequest(server.url, `/media/${path}`);
      if (deleted.status !== 204 || fiveHundreds(statuses) > 0 || record.status !== 404) {
        failures.push(
          `round ${round}: DELETE ${deleted.status} ${deleted.body}, renders ${JSON.stringify([...statuses])}, record ${record.status}`,
        );
      }
      if (left.length > 0) failures.push(`round ${round}: ${left.length} renditions left`);
      if (original.status !== 404) failures.push(`round ${round}: original ${original.status}`);
    }
    expectNoFailures(failures);
  }, 240_000);

  it(`replace: ${ROUNDS} rounds, no 5xx, no old rendition left, record equal to the file`, async () => {
    const token = server.adminToken.token;
    const auth = { Authorization: `Bearer ${token}` };
    const failures: string[] = [];
    const path = 'race/replace.jpg';
    await uploadOriginal(server.url, token, red, path);
    for (let round = 0; round < ROUNDS; round += 1) {
      const [from, to, colour] = round % 2 === 0 ? [red, blue, BLUE] : [blue, red, RED];
      void from;
      const loop = renderLoop(path);
      await renditionsLanded(path, 12);
      const form = new FormData();
      form.set('path', path);
      form.set('file', new Blob([to]), 'upload.jpg');
      const replaced = await fetch(`${server.url}/admin/images?replace=true`, {
        method: 'POST',
        body: form,
        headers: auth,
      });
      const replyText = await replaced.text();
      const statuses = await loop.stop();
      const record = JSON.parse(
        (await rawRequest(server.url, `/admin/images/${path}`, { headers: auth })).body.toString(),
      ) as { sha256?: string };
      const onDisk = createHash('sha256')
        .update(await readFile(join(server.config.roots.mediaRoot, path)))
        .digest('hex');
      const expected = createHash('sha256').update(to).digest('hex');
      if (replaced.status !== 201 || fiveHundreds(statuses) > 0) {
        failures.push(
          `round ${round}: replace ${replaced.status} ${replyText}, renders ${JSON.stringify([...statuses])}`,
        );
      }
      if (record.sha256 !== onDisk || onDisk !== expected) {
        failures.push(`round ${round}: record ${record.sha256}, file ${onDisk}, sent ${expected}`);
      }
      const stale = (await coloursLeft(path)).filter((left) => !near(left, colour));
      if (stale.length > 0) failures.push(`round ${round}: ${stale.length} old renditions left`);
    }
    expectNoFailures(failures);
  }, 240_000);
});
