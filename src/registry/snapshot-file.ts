// A lowdb adapter for the registry snapshot: atomic, durable, and written without blocking
// the event loop (records are serialised in slices between which other work runs).

import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import type { ImageRecord } from './registry.js';

/** The content of `db.json`. */
export interface Snapshot {
  readonly format: 'rendition-registry';
  readonly version: 1;
  /** The last journal entry this snapshot includes. */
  readonly seq: number;
  readonly images: readonly ImageRecord[];
}

export const EMPTY_SNAPSHOT: Snapshot = {
  format: 'rendition-registry',
  version: 1,
  seq: 0,
  images: [],
};

const SLICE = 1000;

export class SnapshotFile implements Adapter<Snapshot> {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  /** The snapshot, null when there is none yet. A corrupt file throws: never start empty over it. */
  async read(): Promise<Snapshot | null> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let parsed: Partial<Snapshot> | null;
    try {
      parsed = JSON.parse(text) as Partial<Snapshot> | null;
    } catch (error) {
      throw new Error(
        `${this.#file} is not valid JSON (${(error as Error).message}); restore it from a backup, or move it away to start an empty registry`,
        { cause: error },
      );
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      parsed.format !== 'rendition-registry' ||
      parsed.version !== 1 ||
      !Array.isArray(parsed.images)
    ) {
      throw new Error(`${this.#file} is not a rendition registry snapshot (version 1)`);
    }
    return parsed as Snapshot;
  }

  /**
   * Writes a temp file in slices of records, fsyncs it, renames it over `db.json` and
   * fsyncs the directory: after a crash the file is the old or the new snapshot, whole.
   */
  async write(data: Snapshot): Promise<void> {
    const temp = `${this.#file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.write(`{"format":"rendition-registry","version":1,"seq":${data.seq},"images":[`);
      for (let start = 0; start < data.images.length; start += SLICE) {
        const slice = data.images
          .slice(start, start + SLICE)
          .map((record) => JSON.stringify(record));
        await handle.write(`${start === 0 ? '' : ','}${slice.join(',')}`);
        // Let requests run between slices: a 100k-record snapshot must not stall the server.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await handle.write(']}\n');
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temp, this.#file);
    await syncDirectory(dirname(this.#file));
  }
}

/** Makes a rename durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
