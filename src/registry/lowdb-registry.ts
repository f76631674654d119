// The registry on lowdb: a snapshot document (db.json, through lowdb) plus an append-only
// journal (db.journal), with every record indexed in memory.
//
// Why: lowdb's JSONFile rewrites the whole file per write (156 ms and 87 ms of blocked
// event loop per registration at 100k records). Here a registration appends one fsynced
// line (group-committed with its neighbours), and the snapshot is rewritten only every
// `compactEvery` changes, in slices that never block the event loop for long.

import { readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { lockDataDir } from './data-dir-lock.js';
import { type Journal, type JournalEntry, openJournal, readJournal } from './journal.js';
import type { ImageRecord, ListOptions, ListPage, Registry } from './registry.js';
import { EMPTY_SNAPSHOT, type Snapshot, SnapshotFile, syncDirectory } from './snapshot-file.js';
import { insertSorted, pageOf, removeSorted } from './sorted-keys.js';

export interface RegistryOptions {
  readonly dataDir: string;
  /** Journal entries after which the snapshot is rewritten. Default 10 000. */
  readonly compactEvery?: number;
}

export interface LowdbRegistry extends Registry {
  /** Rewrites the snapshot now and starts a fresh journal. */
  compact(): Promise<void>;
}

export async function openRegistry(options: RegistryOptions): Promise<LowdbRegistry> {
  const { dataDir } = options;
  const compactEvery = options.compactEvery ?? 10_000;
  const journalFile = join(dataDir, 'db.journal');
  const rotatedFile = join(dataDir, 'db.journal.old');
  const lock = await lockDataDir(dataDir);

  const db = new Low<Snapshot>(new SnapshotFile(join(dataDir, 'db.json')), EMPTY_SNAPSHOT);
  let records: Map<string, ImageRecord>;
  let seq: number;
  let keys: string[];
  let needsCompaction: boolean;
  try {
    await db.read();
    records = new Map(db.data.images.map((record) => [record.path, record]));
    seq = db.data.seq;
    // A rotated journal means a compaction was cut short: replay it, then compact at once.
    const rotated = (await readJournal(rotatedFile)).entries;
    const { entries: current, completeBytes } = await readJournal(journalFile);
    // Cut a torn last line off, or the next append would turn it into a corrupt middle one.
    if (
      completeBytes <
      (await stat(journalFile).then(
        (st) => st.size,
        () => 0,
      ))
    ) {
      await truncate(journalFile, completeBytes);
    }
    // A snapshot temp file of a compaction that was killed: never read, only in the way.
    for (const name of await readdir(dataDir)) {
      if (/^db\.json\.\d+\.tmp$/.test(name)) await rm(join(dataDir, name), { force: true });
    }
    for (const entry of [...rotated, ...current]) {
      if (entry.seq <= seq) continue;
      applyEntry(records, entry);
      seq = entry.seq;
    }
    keys = [...records.keys()].sort();
    needsCompaction = rotated.length > 0 || current.length >= compactEvery;
    db.data = EMPTY_SNAPSHOT;
  } catch (error) {
    await lock.release();
    throw error;
  }

  let journal: Journal = await openJournal(journalFile);
  let sinceSnapshot = 0;
  let rotating: Promise<void> | undefined;
  let compacting: Promise<void> | undefined;

  async function append(entry: JournalEntry): Promise<void> {
    sinceSnapshot += 1;
    if (sinceSnapshot >= compactEvery && compacting === undefined) void runCompaction();
    while (rotating !== undefined) await rotating;
    await journal.append(entry);
  }

  /** Rewrites the snapshot with everything up to now, after any compaction under way. */
  async function compact(): Promise<void> {
    while (compacting !== undefined) await compacting;
    await runCompaction();
  }

  function runCompaction(): Promise<void> {
    compacting ??= (async () => {
      let snapshot: Snapshot = EMPTY_SNAPSHOT;
      rotating = (async () => {
        await journal.close();
        await rename(journalFile, rotatedFile).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        journal = await openJournal(journalFile);
        // Captured synchronously with the rotation: every change up to `seq` is in memory.
        snapshot = {
          ...EMPTY_SNAPSHOT,
          seq,
          images: keys.map((key) => records.get(key) as ImageRecord),
        };
        sinceSnapshot = 0;
      })();
      try {
        await rotating;
      } finally {
        rotating = undefined;
      }
      db.data = snapshot;
      await db.write();
      db.data = EMPTY_SNAPSHOT;
      await rm(rotatedFile, { force: true });
      await syncDirectory(dataDir);
    })().finally(() => {
      compacting = undefined;
    });
    return compacting;
  }

  if (needsCompaction) await compact();

  return {
    get(path) {
      return records.get(path);
    },
    list(listOptions: ListOptions): ListPage {
      return pageOf(keys, (key) => records.get(key) as ImageRecord, listOptions);
    },
    paths() {
      return keys.slice();
    },
    async put(record) {
      const previous = records.get(record.path);
      seq += 1;
      const entry: JournalEntry = { seq, put: record };
      applyEntry(records, entry);
      insertSorted(keys, record.path);
      try {
        await append(entry);
      } catch (error) {
        undo(record.path, record, previous);
        throw error;
      }
    },
    async delete(path) {
      const previous = records.get(path);
      if (previous === undefined) return false;
      seq += 1;
      const entry: JournalEntry = { seq, delete: path };
      applyEntry(records, entry);
      removeSorted(keys, path);
      try {
        await append(entry);
      } catch (error) {
        undo(path, undefined, previous);
        throw error;
      }
      return true;
    },
    get size() {
      return records.size;
    },
    compact,
    async close() {
      await compacting;
      await journal.close();
      await lock.release();
    },
  };

  /** Puts memory back as it was if the journal could not take a change (disk full, I/O error). */
  function undo(
    path: string,
    current: ImageRecord | undefined,
    previous: ImageRecord | undefined,
  ): void {
    if (records.get(path) !== current) return;
    if (previous === undefined) {
      records.delete(path);
      removeSorted(keys, path);
    } else {
      records.set(path, previous);
      insertSorted(keys, path);
    }
  }
}

function applyEntry(records: Map<string, ImageRecord>, entry: JournalEntry): void {
  if ('put' in entry) records.set(entry.put.path, entry.put);
  else records.delete(entry.delete);
}
