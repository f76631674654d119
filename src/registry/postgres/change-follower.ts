// Follows the change log (rendition_changes) for one node: replays what other nodes wrote
// after the last entry this node applied, woken by LISTEN/NOTIFY and, as a backstop, a
// heartbeat poll; tracks whether the node is in step, and empties the local cache once it
// has been out of step longer than REGISTRY_MAX_STALENESS_MS.

import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { LocalCopies, PurgeScope } from '../registry.js';
import { registryUnavailable } from './unavailable.js';

/** The channel the log's trigger notifies (migration 1). */
export const CHANGES_CHANNEL = 'rendition_changes';
/** File in DATA_DIR holding the seq of the last change this node applied to its cache. */
export const APPLIED_SEQ_FILE = 'change-log-seq';
const PAGE = 1000;

export interface ChangeEntry {
  readonly seq: number;
  readonly path: string;
  readonly kind: 'put' | 'delete' | 'purge-all' | 'purge-crop';
  readonly origin: string;
}

export interface ChangeFollowerOptions {
  readonly pool: pg.Pool;
  readonly databaseUrl: string;
  readonly dataDir: string;
  /** This process's id in the log: its own entries are applied already. */
  readonly nodeId: string;
  readonly heartbeatMs: number;
  readonly maxStalenessMs: number;
  /** Re-reads these paths' records from the images table (another node put or deleted them). */
  readonly refresh: (paths: readonly string[], throughSeq: number) => Promise<void>;
  /** Told of a background failure (the follower retries on its own). */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
}

export interface ChangeFollower {
  /** Replays from the applied seq (or empties the cache if unknown), then follows. */
  start(copies: LocalCopies): Promise<void>;
  /** Throws REGISTRY_UNAVAILABLE unless the last contact with the log succeeded. */
  checkInStep(): void;
  state(): string;
  /** Seq of the last change applied. */
  readonly applied: number;
  stop(): Promise<void>;
}

export function createChangeFollower(options: ChangeFollowerOptions): ChangeFollower {
  const { pool, nodeId } = options;
  const now = options.now ?? Date.now;
  const seqFile = join(options.dataDir, APPLIED_SEQ_FILE);
  let applied = 0;
  let copies: LocalCopies | undefined;
  let inStep = false;
  let lastInStepAt = now();
  let emptiedWhileOut = false;
  let listener: pg.Client | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  async function readApplied(): Promise<number | undefined> {
    const text = await readFile(seqFile, 'utf8').catch(() => undefined);
    const value = text === undefined ? Number.NaN : Number(text.trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }

  async function writeApplied(seq: number): Promise<void> {
    const temp = `${seqFile}.${process.pid}.tmp`;
    await writeFile(temp, `${seq}\n`);
    await rename(temp, seqFile);
  }

  /** Applies every entry after `applied`, a page at a time, in seq order. */
  async function applyNew(): Promise<void> {
    for (;;) {
      const { rows } = await pool.query<ChangeEntry & { seq: string }>(
        'SELECT seq, path, kind, origin FROM rendition_changes WHERE seq > $1 ORDER BY seq LIMIT $2',
        [applied, PAGE],
      );
      if (rows.length === 0) return;
      const entries = rows.map((row) => ({ ...row, seq: Number(row.seq) }));
      await applyEntries(entries);
      applied = (entries[entries.length - 1] as ChangeEntry).seq;
      await writeApplied(applied);
      if (rows.length < PAGE) return;
    }
  }

  async function applyEntries(entries: readonly ChangeEntry[]): Promise<void> {
    const foreign = entries.filter((entry) => entry.origin !== nodeId);
    const changed = [
      ...new Set(foreign.filter((e) => e.kind === 'put' || e.kind === 'delete').map((e) => e.path)),
    ];
    const last = entries[entries.length - 1] as ChangeEntry;
    if (changed.length > 0) await options.refresh(changed, last.seq);
    for (const entry of foreign) {
      if (entry.kind === 'purge-all' || entry.kind === 'purge-crop') {
        const scope: PurgeScope = entry.kind === 'purge-all' ? 'all' : 'crop';
        await copies?.purge(entry.path, scope);
      }
    }
  }

  /** One catch-up at a time; a wake-up during one runs another right after it. */
  function catchUp(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await applyNew();
          inStep = true;
          lastInStepAt = now();
          emptiedWhileOut = false;
        } catch (error) {
          inStep = false;
          options.onError?.(error);
          await enforceStaleness();
          return;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** Out of step too long: what nginx and the hot cache hold may be stale, so drop it all. */
  async function enforceStaleness(): Promise<void> {
    if (emptiedWhileOut || now() - lastInStepAt <= options.maxStalenessMs) return;
    emptiedWhileOut = true;
    await copies?.purgeEverything().catch((error: unknown) => options.onError?.(error));
  }

  async function listen(): Promise<void> {
    if (stopped || listener !== undefined) return;
    const client = new pg.Client({ connectionString: options.databaseUrl });
    listener = client;
    const lost = () => {
      if (listener !== client) return;
      listener = undefined;
      inStep = false;
      client.end().catch(() => undefined);
    };
    client.on('error', (error) => {
      options.onError?.(error);
      lost();
    });
    client.on('end', lost);
    client.on('notification', () => void catchUp());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      lost();
      throw error;
    }
    // Notifications sent while no one listened are lost: read the log now.
    await catchUp();
  }

  async function beat(): Promise<void> {
    if (stopped) return;
    try {
      if (listener === undefined) await listen();
      else await catchUp();
    } catch (error) {
      inStep = false;
      options.onError?.(error);
    }
    await enforceStaleness();
    if (!stopped) heartbeat = setTimeout(() => void beat(), options.heartbeatMs);
  }

  return {
    async start(localCopies) {
      copies = localCopies;
      const known = await readApplied();
      if (known === undefined) {
        // A cache of unknown age (first start in this mode, or a lost file): start empty.
        await localCopies.purgeEverything();
        const { rows } = await pool.query<{ head: string | null }>(
          'SELECT max(seq) AS head FROM rendition_changes',
        );
        applied = Number(rows[0]?.head ?? 0);
        await writeApplied(applied);
      } else {
        applied = known;
      }
      await listen();
      if (!inStep) throw new Error('could not catch up with the change log');
      heartbeat = setTimeout(() => void beat(), options.heartbeatMs);
    },
    checkInStep() {
      if (!inStep) throw registryUnavailable();
    },
    state() {
      return inStep ? 'ok' : 'PostgreSQL unreachable';
    },
    get applied() {
      return applied;
    },
    async stop() {
      stopped = true;
      clearTimeout(heartbeat);
      await running;
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
