// The registry journal: JSON lines appended with group commit, durable before they resolve.

import { type FileHandle, open, readFile } from 'node:fs/promises';
import type { ImageRecord } from './registry.js';

/** One change to the registry, numbered. */
export type JournalEntry =
  | { readonly seq: number; readonly put: ImageRecord }
  | { readonly seq: number; readonly delete: string };

export interface Journal {
  /** Appends an entry; resolves once it is on disk (fdatasync). */
  append(entry: JournalEntry): Promise<void>;
  /** Entries appended since the journal was opened. */
  readonly entries: number;
  /** Waits for pending appends, then closes the file. */
  close(): Promise<void>;
}

/**
 * Opens `file` for appending. Appends arriving while a write is on disk are written
 * together with one write and one fdatasync (group commit), so 100 concurrent
 * registrations cost a handful of syncs, not 100.
 */
export async function openJournal(file: string): Promise<Journal> {
  const handle: FileHandle = await open(file, 'a');
  // Where the last complete batch ends: a failed write is cut back to it.
  let length = (await handle.stat()).size;
  let pending: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;
  let entries = 0;

  async function writeAll(bytes: Buffer): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
      if (bytesWritten === 0)
        throw Object.assign(new Error('journal write made no progress'), { code: 'ENOSPC' });
      done += bytesWritten;
    }
  }

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const bytes = Buffer.from(batch.map((item) => item.line).join(''));
      try {
        // A short write (a nearly full disk) is continued, never acknowledged half done.
        await writeAll(bytes);
        await handle.datasync();
        length += bytes.length;
        for (const item of batch) item.resolve();
      } catch (error) {
        // Leave no partial line behind for the next append to land after.
        await handle.truncate(length).catch(() => undefined);
        for (const item of batch) item.reject(error);
      }
    }
    flushing = undefined;
  }

  return {
    append(entry) {
      entries += 1;
      return new Promise((resolve, reject) => {
        pending.push({ line: `${JSON.stringify(entry)}\n`, resolve, reject });
        flushing ??= flush();
      });
    },
    get entries() {
      return entries;
    },
    async close() {
      await flushing;
      await handle.close();
    },
  };
}

/** A journal's entries, oldest first, and the bytes up to the end of its last whole line. */
export interface JournalContent {
  readonly entries: JournalEntry[];
  readonly completeBytes: number;
}

/**
 * Reads a journal file. A torn last line (a crash during an append that was never
 * acknowledged) is dropped and reported through `completeBytes`, so the caller can cut it
 * off before appending again; a bad line elsewhere is corruption.
 */
export async function readJournal(file: string): Promise<JournalContent> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { entries: [], completeBytes: 0 };
    throw error;
  }
  const entries: JournalEntry[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    const end = bytes.indexOf(0x0a, start);
    line += 1;
    if (end === -1) break; // torn: no newline yet
    const text = bytes.subarray(start, end).toString('utf8');
    if (text !== '') {
      try {
        entries.push(JSON.parse(text) as JournalEntry);
      } catch (error) {
        throw new Error(`${file}: corrupt entry on line ${line}`, { cause: error });
      }
    }
    start = end + 1;
  }
  return { entries, completeBytes: start };
}
