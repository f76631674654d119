// A bounded soak: mixed hits, misses, uploads and deletes against the built server for a few
// minutes, on loopback only. Passes when no 5xx other than 503 was answered, no answered
// registration was lost, and RSS did not grow between the second and the last minute.
// Run: npm run soak [-- --minutes 3]

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jemallocPreload, mallocName } from './lib/malloc.js';
import { prepareInputs } from './lib/photos.js';
import { rssOf } from './lib/proc.js';
import { ADMIN_TOKEN, startRendition } from './lib/servers.js';
import { MiB, sleep } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '3' },
    // The production setting (docs/security.md, docker/Dockerfile): jemalloc when installed.
    malloc: { type: 'string', default: 'jemalloc' },
  },
});
const minutes = Math.max(2, Number(values.minutes));
const durationMs = minutes * 60_000;

const inputs = await prepareInputs((line) => console.error(line));
const dir = await mkdtemp(join(tmpdir(), 'rendition-soak-'));
const preload: Record<string, string> = values.malloc === 'jemalloc' ? jemallocPreload() : {};
const server = await startRendition({
  name: 'rendition',
  dir,
  env: { ALLOWED_SIZES: '350x350', ...preload },
});
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const photo = await readFile(inputs.mosaic);
const tiny = await readFile(inputs.tiny);

const statuses = new Map<number, number>();
const registered = new Set<string>();
const deleted = new Set<string>();
let failures = 0;
const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

async function call(path: string, init: RequestInit = {}): Promise<Response | undefined> {
  try {
    const response = await fetch(`${server.url}${path}`, init);
    count(response.status);
    await response.arrayBuffer();
    return response;
  } catch {
    failures += 1;
    return undefined;
  }
}

async function upload(path: string, bytes: Buffer): Promise<boolean> {
  const form = new FormData();
  form.set('path', path);
  form.set('file', new Blob([bytes]), path);
  const response = await call('/admin/images?replace=true', {
    method: 'POST',
    headers: auth,
    body: form,
  });
  return response?.status === 201;
}

// Two photos to render from, registered before the clock starts.
for (const name of ['a.jpg', 'b.jpg'])
  if (!(await upload(`soak/${name}`, photo))) throw new Error('setup failed');
const hitUrl = '/media/soak/a.jpg/thumbnail/350x350.jpg';
await call(hitUrl);

const deadline = Date.now() + durationMs;
const rss: { at: number; bytes: number }[] = [];
let serial = 0;

async function hits(): Promise<void> {
  while (Date.now() < deadline) await call(hitUrl);
}
async function misses(): Promise<void> {
  while (Date.now() < deadline) {
    const side = 200 + Math.floor(Math.random() * 1000);
    await call(`/media/soak/${Math.random() < 0.5 ? 'a' : 'b'}.jpg/thumbnail/${side}x${side}.webp`);
  }
}
async function uploadsAndDeletes(): Promise<void> {
  while (Date.now() < deadline) {
    serial += 1;
    const path = `soak/up/${serial}.jpg`;
    if (await upload(path, tiny)) registered.add(path);
    await call(`/media/${path}/thumbnail/180x180`);
    if (serial % 3 === 0) {
      const response = await call(`/admin/images/${path}`, { method: 'DELETE', headers: auth });
      if (response?.status === 204) deleted.add(path);
    }
    await sleep(50);
  }
}
async function sampler(): Promise<void> {
  const started = Date.now();
  while (Date.now() < deadline) {
    rss.push({ at: Date.now() - started, bytes: await rssOf(server.proc.pid) });
    await sleep(5000);
  }
}

console.error(`soak: ${minutes} min against ${server.url}, malloc: ${mallocName(preload)}`);
await Promise.all([hits(), hits(), misses(), misses(), misses(), uploadsAndDeletes(), sampler()]);
await server.settle();

// Every registration answered 201 and not deleted must still be there.
const listed = new Set<string>();
for (let cursor: string | null = ''; cursor !== null; ) {
  const query: string = cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`;
  const page = (await (
    await fetch(`${server.url}/admin/images?limit=1000&prefix=soak/up/${query}`, { headers: auth })
  ).json()) as {
    items: { path: string }[];
    next: string | null;
  };
  for (const item of page.items) listed.add(item.path);
  cursor = page.next;
}
const lost = [...registered].filter((path) => !deleted.has(path) && !listed.has(path));
await server.stop();
await rm(dir, { recursive: true, force: true });

const inMinute = (from: number, to: number) =>
  Math.max(0, ...rss.filter((s) => s.at >= from && s.at < to).map((s) => s.bytes));
const second = inMinute(60_000, 120_000);
const last = inMinute(durationMs - 60_000, durationMs + 1);
const growth = second === 0 ? 0 : (last - second) / second;
const serverErrors = [...statuses].filter(([status]) => status >= 500 && status !== 503);

const perMinute = Array.from({ length: minutes }, (_, m) => inMinute(m * 60_000, (m + 1) * 60_000));
console.log(
  `RSS peak per minute: ${perMinute.map((bytes) => `${(bytes / MiB).toFixed(0)} MiB`).join(', ')}`,
);
console.log(`requests by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
console.log(`connection failures: ${failures}`);
console.log(
  `registrations answered 201: ${registered.size}, deleted: ${deleted.size}, lost: ${lost.length}`,
);
console.log(
  `RSS peak, second minute: ${(second / MiB).toFixed(0)} MiB; last minute: ${(last / MiB).toFixed(0)} MiB (${(growth * 100).toFixed(1)} %)`,
);
const passed = serverErrors.length === 0 && failures === 0 && lost.length === 0 && growth <= 0.1;
console.log(passed ? 'soak: PASS' : 'soak: FAIL');
process.exit(passed ? 0 : 1);
