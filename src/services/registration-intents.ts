// Registrations under way. Placing an original and recording it are two steps on two
// stores; a process killed between them left a public original nobody had recorded (its
// path then answered 409 and it was never listed). So the record is written to
// DATA_DIR/intents/ first, durably, and removed once the registry holds it; at start-up
// every intent left behind is finished (the original is there with the intended bytes:
// record it) or dropped (it never got there, or something else replaced it since).

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { OriginalsStore } from '../originals/originals-store.js';
import type { ImageRecord, LocalCopies, Registry } from '../registry/registry.js';
import { syncDirectory } from '../registry/snapshot-file.js';
import type { ImageInput } from '../render/image-input.js';

/** The folder under DATA_DIR that holds them. */
export const INTENTS_DIR_NAME = 'intents';

/** One registration under way: `done` once the registry holds it (or it was undone). */
export interface Intent {
  done(): Promise<void>;
}

export interface RegistrationIntents {
  /** Writes `record` as intended, durably, before its original is placed. */
  begin(record: ImageRecord): Promise<Intent>;
}

/** What start-up did with one intent left by a stopped process. */
export interface FinishedIntent {
  readonly path: string;
  readonly outcome: 'recorded' | 'dropped';
}

export function createRegistrationIntents(dataDir: string): RegistrationIntents {
  const dir = join(dataDir, INTENTS_DIR_NAME);
  return {
    async begin(record) {
      // (The folder is made at start-up by `finishIntents`.)
      const file = join(dir, `${process.pid}-${randomBytes(8).toString('hex')}.json`);
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(record));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await syncDirectory(dir);
      return {
        async done() {
          // Not synced: an intent that outlives its record is dropped at the next start.
          await rm(file, { force: true });
        },
      };
    },
  };
}

/**
 * Finishes the intents a stopped process left: before the server serves. An original whose
 * bytes are the intended ones but whose record is not (a create or a replace killed after
 * the place) is recorded and its old renditions purged; every other intent is dropped.
 */
export async function finishIntents(
  dataDir: string,
  parts: {
    readonly registry: Registry;
    readonly originals: OriginalsStore;
    readonly copies: Pick<LocalCopies, 'purge'>;
  },
): Promise<FinishedIntent[]> {
  const dir = join(dataDir, INTENTS_DIR_NAME);
  await mkdir(dir, { recursive: true });
  const names = await readdir(dir);
  const finished: FinishedIntent[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
    const file = join(dir, name);
    const record = await readIntent(file);
    if (record !== undefined) {
      const recorded = await finishOne(record, parts);
      finished.push({ path: record.path, outcome: recorded ? 'recorded' : 'dropped' });
    }
    await rm(file, { force: true });
  }
  return finished;
}

/** The record an intent holds; undefined for one cut short while it was written. */
async function readIntent(file: string): Promise<ImageRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ImageRecord>;
    return typeof parsed.path === 'string' && typeof parsed.sha256 === 'string'
      ? (parsed as ImageRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

async function finishOne(
  record: ImageRecord,
  parts: Parameters<typeof finishIntents>[1],
): Promise<boolean> {
  if (parts.registry.get(record.path)?.sha256 === record.sha256) return false;
  const opened = await parts.originals.open(record.path).catch(() => undefined);
  if (opened === undefined) return false;
  try {
    if ((await sha256Of(opened.input)) !== record.sha256) return false;
  } finally {
    opened.release();
  }
  // A replace killed after its place: renditions of the old bytes may still be cached.
  await parts.copies.purge(record.path, 'all');
  await parts.registry.put(record);
  return true;
}

async function sha256Of(input: ImageInput): Promise<string> {
  const hash = createHash('sha256');
  if (typeof input === 'string') await pipeline(createReadStream(input), hash);
  else hash.update(input);
  return hash.digest('hex');
}
