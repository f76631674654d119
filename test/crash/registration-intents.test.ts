// A process killed between placing an original and recording it: the states it can leave,
// built by hand, and what the next start makes of each. (test/crash/sigkill.test.ts kills
// real processes at random; this covers every state on every run.)

import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.js';
import type { ImageRecord } from '../../src/registry/registry.js';
import { type ServerWithParts, startServerWithParts } from '../../src/server.js';
import { INTENTS_DIR_NAME } from '../../src/services/registration-intents.js';
import { solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, near, RED } from '../helpers/images.js';
import { loopbackOnlyLookup, startTestServer, type TestServer } from '../helpers/server.js';

let first: TestServer | undefined;
let second: ServerWithParts | undefined;
afterEach(async () => {
  await second?.close();
  await first?.dispose();
  first = undefined;
  second = undefined;
});

const auth = (server: { adminToken: { token: string } }) => ({
  Authorization: `Bearer ${server.adminToken.token}`,
});

async function writeIntent(dataDir: string, name: string, content: string): Promise<void> {
  await mkdir(join(dataDir, INTENTS_DIR_NAME), { recursive: true });
  await writeFile(join(dataDir, INTENTS_DIR_NAME, name), content);
}

describe('registrations a killed process left half done', () => {
  it('finishes placed ones, drops the rest, and purges renditions of replaced bytes', async () => {
    first = await startTestServer({ ALLOWED_SIZES: '50x50' });
    const { dataDir, mediaRoot } = first.config.roots;
    const red = await solidJpeg(120, 80, RED);
    const blue = await solidJpeg(120, 80, BLUE);

    // A create killed after the place: the original is public, the registry does not know it.
    await uploadOriginal(first.url, first.adminToken.token, red, 'placed.jpg');
    const placed = first.parts.registry.get('placed.jpg') as ImageRecord;
    await first.parts.registry.delete('placed.jpg');
    await writeIntent(dataDir, '1-placed.json', JSON.stringify(placed));

    // A create killed before the place: nothing is there.
    await writeIntent(dataDir, '2-never.json', JSON.stringify({ ...placed, path: 'never.jpg' }));

    // A replace killed after the place: new bytes on disk, the old record, old renditions.
    await uploadOriginal(first.url, first.adminToken.token, red, 'replaced.jpg');
    const before = await fetch(`${first.url}/media/replaced.jpg/thumbnail/50x50`);
    expect(near(await colourAt(new Uint8Array(await before.arrayBuffer()), 0.5, 0.5), RED)).toBe(
      true,
    );
    await uploadOriginal(first.url, first.adminToken.token, blue, 'scratch.jpg');
    const blueRecord = first.parts.registry.get('scratch.jpg') as ImageRecord;
    await writeFile(join(mediaRoot, 'replaced.jpg'), blue);
    await writeIntent(
      dataDir,
      '3-replaced.json',
      JSON.stringify({ ...blueRecord, path: 'replaced.jpg' }),
    );

    // An intent cut short while it was written, and one whose bytes another writer changed.
    await writeIntent(dataDir, '4-torn.json', '{"path":"torn.jp');
    await uploadOriginal(first.url, first.adminToken.token, red, 'changed.jpg');
    const changed = first.parts.registry.get('changed.jpg') as ImageRecord;
    await first.parts.registry.delete('changed.jpg');
    await writeFile(join(mediaRoot, 'changed.jpg'), blue);
    await writeIntent(dataDir, '5-changed.json', JSON.stringify(changed));

    await first.close();
    const lines: string[] = [];
    second = await startServerWithParts(first.config, {
      lookup: loopbackOnlyLookup,
      processMetrics: false,
      logger: createLogger({ level: 'info', destination: { write: (line) => lines.push(line) } }),
    });

    const record = async (path: string) => {
      const response = await fetch(`${second?.url}/admin/images/${path}`, {
        headers: auth(second as ServerWithParts),
      });
      return { status: response.status, body: (await response.json()) as { sha256?: string } };
    };
    expect(await record('placed.jpg')).toMatchObject({
      status: 200,
      body: { sha256: placed.sha256 },
    });
    expect((await record('never.jpg')).status).toBe(404);
    expect(await record('replaced.jpg')).toMatchObject({
      status: 200,
      body: { sha256: blueRecord.sha256 },
    });
    // Another writer's bytes are not what was intended: left unregistered, as a dropped file is.
    expect((await record('changed.jpg')).status).toBe(404);
    const after = await fetch(`${second.url}/media/replaced.jpg/thumbnail/50x50`);
    expect(after.status).toBe(200);
    expect(near(await colourAt(new Uint8Array(await after.arrayBuffer()), 0.5, 0.5), BLUE)).toBe(
      true,
    );
    const listed = await fetch(`${second.url}/admin/images`, { headers: auth(second) });
    const paths = ((await listed.json()) as { items: { path: string }[] }).items.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['placed.jpg', 'replaced.jpg']));
    expect(await readdir(join(dataDir, INTENTS_DIR_NAME))).toEqual([]);
    const finished = lines.filter((line) => line.includes('registration finished at start-up'));
    expect(finished.map((line) => (JSON.parse(line) as { path: string }).path).sort()).toEqual([
      'placed.jpg',
      'replaced.jpg',
    ]);
  });

  it('leaves no intent behind after registrations that succeed or fail', async () => {
    first = await startTestServer();
    const red = await solidJpeg(60, 40, RED);
    await uploadOriginal(first.url, first.adminToken.token, red, 'one.jpg');
    // A 409 (taken) and a refused body write nothing either.
    const form = new FormData();
    form.set('path', 'one.jpg');
    form.set('file', new Blob([red]), 'one.jpg');
    const conflict = await fetch(`${first.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: auth(first),
    });
    expect(conflict.status).toBe(409);
    const intents = await readdir(join(first.config.roots.dataDir, INTENTS_DIR_NAME)).catch(
      () => [],
    );
    expect(intents).toEqual([]);
    expect(first.parts.registry.get('one.jpg')?.sha256).toBeTypeOf('string');
  });
});
