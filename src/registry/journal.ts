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
  let pending: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let flushing: Promise<void> | undefined;
  let entries = 0;

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await handle.write(batch.map((item) => item.line).join(''));
        await handle.datasync();
        for (const item of batch) item.resolve();
      } catch (error) {
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

/**
 * Reads the entries of a journal file, oldest first. A torn last line (a crash during an
 * append that was never acknowledged) is dropped; a bad line elsewhere is corruption.
 */
export async function readJournal(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  const entries: JournalEntry[] = [];
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch (error) {
      const isLast = index === lines.length - 1;
      if (isLast) break;
      throw new Error(`${file}: corrupt entry on line ${index + 1}`, { cause: error });
    }
  }
  return entries;
}
