// Crash safety: the BUILT server (`node dist/cli.js serve`; `npm test` builds first) is killed
// with SIGKILL at seeded random moments while it renders, registers uploads and deletes, then
// restarted, many rounds. After every start: no temp file is left, every registration answered
// 201 is there (same bytes), every delete answered 204 stays deleted, no record points at a
// missing original, and every file under MEDIA_ROOT and CACHE_ROOT decodes fully.
// Reproduce a failure with the seed it prints: RENDITION_CRASH_SEED=<seed> npx vitest run test/crash

import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  requireBuiltCli,
  rootsIn,
  type ServerRoots,
  serveExpectingRefusal,
  spawnServer,
} from '../helpers/child-server.js';
import { seededRandom } from '../helpers/hostile-images.js';
import { rawRequest } from '../helpers/http.js';
import { jpegImage, noiseJpeg, pngImage, webpImage } from '../helpers/images.js';
import { TEMP_DIR, tempFilesIn } from '../helpers/roots.js';

const SEED = Number(process.env.RENDITION_CRASH_SEED ?? 20_261_124);
const ROUNDS = 12;
const WORKERS = 6;
/** What each round's kill waits to have in flight, in turn. */
const KILL_DURING = ['upload', 'render', 'delete'] as const;
/** A round whose kind never comes in flight is killed this many answers past its count. */
const KILL_ANYWAY_AFTER = 30;

const auth = { Authorization: `Bearer ${CHILD_ADMIN_TOKEN}` };

beforeAll(() => {
  requireBuiltCli();
});

/** Registry records through the admin API, all pages. */
async function registryOf(server: ChildServer): Promise<Map<string, { sha256: string }>> {
  const records = new Map<string, { sha256: string }>();
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await rawRequest(server.url, `/admin/images?limit=1000${query}`, {
      headers: auth,
    });
    expect(response.status).toBe(200);
    const page = JSON.parse(response.body.toString()) as {
      items: { path: string; sha256: string }[];
      next: string | null;
    };
    for (const item of page.items) records.set(item.path, { sha256: item.sha256 });
    cursor = page.next;
  } while (cursor !== null);
  return records;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

/** The error lines of a server that has exited, once its output has been read to the end. */
async function errorLines(server: ChildServer): Promise<string> {
  await server.closed;
  const lines = server.output().split('\n');
  return lines.filter((line) => line.includes('"level":"error"')).join('\n');
}

const FORMAT_OF_EXTENSION: Readonly<Record<string, readonly string[]>> = {
  '.jpg': ['jpeg'],
  '.png': ['png'],
  '.webp': ['webp'],
  '.avif': ['heif'],
  '.gif': ['gif'],
};

/**
 * Every regular file under `root` (outside `:tmp`) that is new or changed since `seen`:
 * decoded fully, its format matching its extension. Returns one line per bad file.
 */
async function undecodable(root: string, seen: Set<string>): Promise<string[]> {
  const bad: string[] = [];
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  for (const name of names) {
    if (name === TEMP_DIR || name.startsWith(`${TEMP_DIR}/`)) continue;
    const file = join(root, name);
    const stats = await stat(file).catch(() => undefined);
    if (stats === undefined || !stats.isFile()) continue;
    const key = `${file}:${stats.size}:${stats.mtimeMs}`;
    if (seen.has(key)) continue;
    try {
      const meta = await sharp(file).metadata();
      await sharp(file, { failOn: 'warning' }).stats();
      const expected = FORMAT_OF_EXTENSION[extname(name)] ?? [];
      if (!expected.includes(meta.format)) throw new Error(`reads as ${meta.format}`);
      seen.add(key);
    } catch (error) {
      bad.push(`${file} (${stats.size} bytes): ${error instanceof Error ? error.message : error}`);
    }
  }
  return bad;
}

describe('SIGKILL during renders, registrations and deletes', () => {
  let dir: string;
  let roots: ServerRoots;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-sigkill-'));
    roots = await rootsIn(dir);
    await mkdir(join(roots.mediaRoot, 'src'), { recursive: true });
    for (let i = 0; i < 3; i += 1) {
      await writeFile(join(roots.mediaRoot, `src/${i}.jpg`), await noiseJpeg(1600, 1200));
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`keeps every file whole and every acknowledged registration (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const uploads: { bytes: Buffer; extension: string }[] = [
      { bytes: await noiseJpeg(900, 600), extension: 'jpg' },
      { bytes: await jpegImage(1200, 800), extension: 'jpg' },
      { bytes: await pngImage(500, 400), extension: 'png' },
      { bytes: await webpImage(800, 500), extension: 'webp' },
    ];
    const env = { ARBITRARY_SIZES: 'true', MAX_WIDTH: '800', MAX_HEIGHT: '800' };

    /** Answered 201 and not deleted since: path -> sha256. */
    const acknowledged = new Map<string, string>();
    /** Answered 204. */
    const deletedForSure = new Set<string>();
    const seen = new Set<string>();
    const stats = {
      rounds: 0,
      renders: 0,
      uploads: 0,
      deletes: 0,
      tempLeft: 0,
      /** Registrations checked after a start. */
      checked: 0,
    };
    const killedDuring = { render: 0, upload: 0, delete: 0 };
    let uploadSerial = 0;

    /** After a start: the invariants, and what in-flight work turned out to have done. */
    async function verify(
      server: ChildServer,
      inFlight: { uploads: Set<string>; deletes: Set<string> },
    ): Promise<void> {
      const registry = await registryOf(server);
      const problems: string[] = [];
      for (const [path, sha256] of acknowledged) {
        if (inFlight.deletes.has(path)) continue;
        const record = registry.get(path);
        stats.checked += 1;
        if (record === undefined) problems.push(`lost registration answered 201: ${path}`);
        else if (record.sha256 !== sha256) problems.push(`${path}: sha256 changed`);
      }
      for (const path of deletedForSure) {
        if (registry.has(path)) problems.push(`record back after a 204 delete: ${path}`);
      }
      for (const path of inFlight.uploads) {
        // Killed between placing and recording: start-up finishes it (registration intents).
        if (!registry.has(path) && (await exists(join(roots.mediaRoot, path)))) {
          problems.push(`public original with no record after a kill mid-upload: ${path}`);
        }
      }
      for (const path of inFlight.uploads) {
        // Unanswered: either outcome is fine; if it is there, it is there for good.
        const record = registry.get(path);
        if (record !== undefined) acknowledged.set(path, record.sha256);
      }
      for (const path of inFlight.deletes) {
        if (!registry.has(path)) {
          acknowledged.delete(path);
          deletedForSure.add(path);
        }
      }
      for (const path of registry.keys()) {
        if (await exists(join(roots.mediaRoot, path))) continue;
        // The record goes last, so a DELETE killed midway leaves it listed with its original
        // gone; a second DELETE completes it. Any other record with no original is a bug.
        if (!inFlight.deletes.has(path)) {
          problems.push(`record points at a missing original: ${path}`);
          continue;
        }
        const retry = await rawRequest(server.url, `/admin/images/${path}`, {
          method: 'DELETE',
          headers: auth,
        });
        if (retry.status !== 204) problems.push(`retried DELETE ${path}: ${retry.status}`);
        acknowledged.delete(path);
        deletedForSure.add(path);
      }
      problems.push(...(await undecodable(roots.mediaRoot, seen)));
      problems.push(...(await undecodable(roots.cacheRoot, seen)));
      for (const journalLine of (
        await readFile(join(roots.dataDir, 'db.journal'), 'utf8').catch(() => '')
      ).split('\n')) {
        if (journalLine === '') continue;
        try {
          JSON.parse(journalLine);
        } catch {
          problems.push(`unreadable journal line: ${journalLine.slice(0, 80)}`);
        }
      }
      expect(problems, `seed ${SEED}, round ${stats.rounds}`).toEqual([]);
    }

    let inFlight = { uploads: new Set<string>(), deletes: new Set<string>() };
    for (let round = 0; round < ROUNDS; round += 1) {
      const server = await spawnServer(roots, env);
      // Temp files of the killed process are gone before the server listens.
      expect(await tempFilesIn(roots)).toEqual([]);
      await verify(server, inFlight);
      stats.rounds += 1;

      inFlight = { uploads: new Set<string>(), deletes: new Set<string>() };
      let rendersInFlight = 0;
      let killed = false;
      const registered = () => [...acknowledged.keys()].filter((p) => !inFlight.deletes.has(p));

      async function render(): Promise<void> {
        const sources = ['src/0.jpg', 'src/1.jpg', 'src/2.jpg', ...registered()];
        const width = 40 + Math.floor(random() * 600);
        const height = random() < 0.3 ? 0 : 40 + Math.floor(random() * 600);
        const format = pick(['.jpg', '.png', '.webp', '.avif', '']);
        const source = pick(sources);
        const target = `/media/${source}/${pick(['thumbnail', 'crop'])}/${width}x${height}${format}`;
        rendersInFlight += 1;
        try {
          const response = await rawRequest(server.url, target, {
            headers: { Accept: 'image/webp,*/*' },
          });
          // 404: a registered source deleted meanwhile. Anything else is a failure.
          if (response.status !== 200 && response.status !== 404) {
            throw new Error(`GET ${target}: ${response.status} ${response.body.toString()}`);
          }
          stats.renders += 1;
        } finally {
          rendersInFlight -= 1;
        }
      }

      async function register(): Promise<void> {
        uploadSerial += 1;
        const image = pick(uploads);
        const path = `r${round}/u${uploadSerial}.${image.extension}`;
        const form = new FormData();
        form.set('path', path);
        if (random() < 0.3) form.set('warm', 'image');
        form.set('file', new Blob([image.bytes]), `u.${image.extension}`);
        inFlight.uploads.add(path);
        const response = await fetch(`${server.url}/admin/images`, {
          method: 'POST',
          body: form,
          headers: auth,
        });
        const body = (await response.json()) as { sha256?: string };
        if (response.status === 201 && body.sha256 !== undefined) {
          acknowledged.set(path, body.sha256);
          inFlight.uploads.delete(path);
          stats.uploads += 1;
        } else {
          throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(body)}`);
        }
      }

      async function remove(): Promise<void> {
        const candidates = registered();
        if (candidates.length === 0) return register();
        const path = pick(candidates);
        inFlight.deletes.add(path);
        const response = await rawRequest(server.url, `/admin/images/${path}`, {
          method: 'DELETE',
          headers: auth,
        });
        if (response.status !== 204) {
          throw new Error(`DELETE ${path}: ${response.status} ${response.body.toString()}`);
        }
        inFlight.deletes.delete(path);
        acknowledged.delete(path);
        deletedForSure.add(path);
        stats.deletes += 1;
      }

      // The kill comes after a seeded number of answered operations, once a registration
      // stands (the next start has one to check) and this round's kind of work is in flight:
      // counted in answers, never in milliseconds, so a busy machine only makes rounds longer.
      const killAfter = 1 + Math.floor(random() * 12);
      const killDuring = KILL_DURING[round % KILL_DURING.length] ?? 'upload';
      const inFlightOf = {
        render: () => rendersInFlight,
        upload: () => inFlight.uploads.size,
        delete: () => inFlight.deletes.size,
      };
      let answered = 0;
      let killNow = () => {};
      const killMoment = new Promise<void>((resolve) => {
        killNow = resolve;
      });
      const maybeKill = () => {
        if (answered < killAfter || registered().length === 0) return;
        if (inFlightOf[killDuring]() > 0 || answered >= killAfter + KILL_ANYWAY_AFTER) killNow();
      };

      const failures: unknown[] = [];
      const workers = Array.from({ length: WORKERS }, async () => {
        while (!killed) {
          const roll = random();
          const op = roll < 0.5 ? render : roll < 0.8 ? register : remove;
          const running = op();
          maybeKill();
          // Once killed, requests fail with a reset or a refused connection: expected.
          await running.then(
            () => {
              answered += 1;
              maybeKill();
            },
            (error: unknown) => {
              if (!killed) failures.push(error);
            },
          );
          // A failure ends the round at once: the kill would otherwise wait for answers.
          if (failures.length > 0) killNow();
        }
      });
      await killMoment;
      if (rendersInFlight > 0) killedDuring.render += 1;
      if (inFlight.uploads.size > 0) killedDuring.upload += 1;
      if (inFlight.deletes.size > 0) killedDuring.delete += 1;
      killed = true;
      server.child.kill('SIGKILL');
      expect((await server.exited).signal).toBe('SIGKILL');
      await Promise.all(workers);
      if (failures.length > 0) {
        expect(
          failures,
          `seed ${SEED}: errors before the kill; the server logged:\n${await errorLines(server)}`,
        ).toEqual([]);
      }
      stats.tempLeft += (await tempFilesIn(roots)).length;
    }

    // A last start after the last kill, then a clean stop.
    const last = await spawnServer(roots, env);
    expect(await tempFilesIn(roots)).toEqual([]);
    await verify(last, inFlight);
    expect((await last.stop('SIGTERM')).code).toBe(0);

    console.info(
      `sigkill seed ${SEED}: ${stats.rounds} rounds, ${stats.renders} renders, ${stats.uploads} registrations, ${stats.deletes} deletes answered; kills during renders ${killedDuring.render}, uploads ${killedDuring.upload}, deletes ${killedDuring.delete}; temp files left by kills ${stats.tempLeft}`,
    );
    expect(stats.checked).toBeGreaterThan(0);
    expect(killedDuring.render + killedDuring.upload + killedDuring.delete).toBeGreaterThan(0);
    expect(killedDuring.upload).toBeGreaterThan(0);
  }, 240_000);
});

describe('a registry that cannot be read at start', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-bad-registry-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Fresh roots with one registered image (so a silent empty start would lose it). */
  async function registeredRoots(name: string): Promise<ServerRoots> {
    const roots = await rootsIn(join(dir, name));
    const server = await spawnServer(roots);
    const form = new FormData();
    form.set('path', 'kept.jpg');
    form.set('file', new Blob([await jpegImage(200, 100)]), 'kept.jpg');
    const response = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: auth,
    });
    expect(response.status).toBe(201);
    await server.stop('SIGTERM');
    return roots;
  }

  /** Starts on `roots` expecting a refusal that names `file`, which is left exactly as it was. */
  async function expectRefusal(roots: ServerRoots, file: string): Promise<void> {
    const before = await readFile(file);
    const result = await serveExpectingRefusal(roots);
    expect(result.listened, result.output).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.output).toContain(file);
    expect((await readFile(file)).equals(before)).toBe(true);
  }

  // SnapshotFile.read() passes JSON.parse's own error through: "Unexpected end of JSON input",
  // with no file name, and a JSON `null` fails with a TypeError. Both must name db.json.
  it('refuses an empty db.json, naming it', async () => {
    const roots = await registeredRoots('empty');
    await writeFile(join(roots.dataDir, 'db.json'), '');
    await expectRefusal(roots, join(roots.dataDir, 'db.json'));
  });

  it('refuses a truncated db.json, naming it', async () => {
    const roots = await registeredRoots('truncated');
    await writeFile(
      join(roots.dataDir, 'db.json'),
      '{"format":"rendition-registry","version":1,"se',
    );
    await expectRefusal(roots, join(roots.dataDir, 'db.json'));
  });

  it('refuses a db.json holding JSON null, naming it', async () => {
    const roots = await registeredRoots('null');
    await writeFile(join(roots.dataDir, 'db.json'), 'null\n');
    await expectRefusal(roots, join(roots.dataDir, 'db.json'));
  });

  it('refuses a db.json that is JSON but not a registry snapshot, naming it', async () => {
    const roots = await registeredRoots('foreign');
    await writeFile(join(roots.dataDir, 'db.json'), '{"images":{}}\n');
    await expectRefusal(roots, join(roots.dataDir, 'db.json'));
  });

  it('refuses a journal with a corrupt line before its end, naming it, and keeps it', async () => {
    const roots = await registeredRoots('journal');
    const journal = join(roots.dataDir, 'db.journal');
    const lines = (await readFile(journal, 'utf8')).split('\n');
    await writeFile(journal, ['{"seq":', ...lines].join('\n'));
    await expectRefusal(roots, journal);
  });

  // A torn last line (a write cut by a crash) is dropped at start, but the journal is then
  // appended to as it is: the next entry lands on the torn fragment's line, which becomes a
  // corrupt line in the middle, and the start after that refuses. Registrations answered 201
  // in between are then unreachable.
  it('drops a torn last journal line and keeps later registrations across restarts', async () => {
    const roots = await registeredRoots('torn');
    const journal = join(roots.dataDir, 'db.journal');
    await appendFile(journal, '{"seq":2,"put":{"path":"torn.jpg","wid');
    let server = await spawnServer(roots);
    expect([...(await registryOf(server)).keys()]).toEqual(['kept.jpg']);
    const form = new FormData();
    form.set('path', 'after.jpg');
    form.set('file', new Blob([await jpegImage(120, 90)]), 'after.jpg');
    const response = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: auth,
    });
    expect(response.status).toBe(201);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await spawnServer(roots);
    expect([...(await registryOf(server)).keys()].sort()).toEqual(['after.jpg', 'kept.jpg']);
    await server.stop('SIGTERM');
  });
});
