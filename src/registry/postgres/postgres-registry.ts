// The registry in PostgreSQL (REGISTRY=postgres), shared by every node: the images table is
// the truth, each write appends to the change log in the same statement, and every node
// keeps an in-memory mirror of the records (reads stay synchronous and O(1), as on lowdb)
// that the change follower keeps in step with what other nodes write.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ImageRecord, ListOptions, ListPage, NodeSync, Registry } from '../registry.js';
import { insertSorted, pageOf, removeSorted } from '../sorted-keys.js';
import { createChangeFollower } from './change-follower.js';
import { migrate } from './migrations.js';
import { translatePostgresError } from './unavailable.js';

export interface PostgresRegistryOptions {
  readonly databaseUrl: string;
  /** Connections this node keeps to PostgreSQL (DATABASE_POOL_SIZE), plus one for LISTEN. */
  readonly poolSize: number;
  /** This node's DATA_DIR: the seq of the last change it applied lives there. */
  readonly dataDir: string;
  /** How often the log is polled besides NOTIFY, and reconnection is tried (ms). */
  readonly heartbeatMs: number;
  /** How long the node serves cached renditions while out of step, before emptying its cache (ms). */
  readonly maxStalenessMs: number;
  readonly onError?: (error: unknown) => void;
}

export interface PostgresRegistry extends Registry {
  readonly sync: NodeSync;
  /** The connection pool (warm jobs share it). */
  readonly pool: pg.Pool;
  /** This process's id in the change log and the jobs table. */
  readonly nodeId: string;
}

/** Rows per keyset page when loading the mirror. */
const LOAD_PAGE = 1000;
/**
 * Serialises writers to the change log so that seq order is commit order: a follower that
 * has read seq N must never see a smaller seq commit afterwards.
 */
const LOG_LOCK = "pg_advisory_xact_lock(hashtextextended('rendition:changes', 0))";

const PUT_SQL = `
  WITH lock AS (SELECT ${LOG_LOCK}),
  change AS (
    INSERT INTO rendition_changes (path, kind, origin)
    SELECT $1, 'put', $3 FROM lock RETURNING seq
  )
  INSERT INTO rendition_images (path, record, seq) SELECT $1, $2, seq FROM change
  ON CONFLICT (path) DO UPDATE SET record = EXCLUDED.record, seq = EXCLUDED.seq
  RETURNING seq`;

const DELETE_SQL = `
  WITH lock AS (SELECT ${LOG_LOCK}),
  gone AS (DELETE FROM rendition_images WHERE path = $1 RETURNING path)
  INSERT INTO rendition_changes (path, kind, origin)
  SELECT gone.path, 'delete', $2 FROM gone, lock RETURNING seq`;

const PURGE_SQL = `
  WITH lock AS (SELECT ${LOG_LOCK})
  INSERT INTO rendition_changes (path, kind, origin) SELECT $1, $2, $3 FROM lock`;

interface Mirrored {
  readonly record: ImageRecord;
  /** Seq of the write that made this version. */
  readonly seq: number;
}

/** Connects, migrates, loads every record; call `sync.follow` before serving. */
export async function openPostgresRegistry(
  options: PostgresRegistryOptions,
): Promise<PostgresRegistry> {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    connectionTimeoutMillis: 5_000,
  });
  // An idle connection PostgreSQL dropped: the pool replaces it, the next query reconnects.
  pool.on('error', (error) => options.onError?.(error));
  const nodeId = randomUUID();
  const mirror = new Map<string, Mirrored>();
  const keys: string[] = [];
  /** Paths deleted at seq (so an older read cannot bring them back). */
  const deletedAt = new Map<string, number>();

  try {
    await migrate(pool);
    await loadAll();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  async function loadAll(): Promise<void> {
    let after = '';
    for (;;) {
      const { rows } = await pool.query<{ path: string; record: ImageRecord; seq: string }>(
        'SELECT path, record, seq FROM rendition_images WHERE path > $1 ORDER BY path LIMIT $2',
        [after, LOAD_PAGE],
      );
      for (const row of rows) remember(row.record, Number(row.seq));
      if (rows.length < LOAD_PAGE) return;
      after = (rows[rows.length - 1] as { path: string }).path;
    }
  }

  /** Keeps `record` at `seq` unless the mirror already holds a newer version of its path. */
  function remember(record: ImageRecord, seq: number): void {
    const held = mirror.get(record.path);
    if (held !== undefined && held.seq >= seq) return;
    const deleted = deletedAt.get(record.path);
    if (deleted !== undefined && deleted >= seq) return;
    deletedAt.delete(record.path);
    mirror.set(record.path, { record, seq });
    insertSorted(keys, record.path);
  }

  function forget(path: string, seq: number): void {
    const held = mirror.get(path);
    if (held !== undefined && held.seq > seq) return;
    mirror.delete(path);
    removeSorted(keys, path);
    // Bounded: the guard matters only for a read racing the delete (milliseconds).
    if (deletedAt.size >= 10_000) deletedAt.clear();
    deletedAt.set(path, Math.max(seq, deletedAt.get(path) ?? 0));
  }

  const follower = createChangeFollower({
    pool,
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    nodeId,
    heartbeatMs: options.heartbeatMs,
    maxStalenessMs: options.maxStalenessMs,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    async refresh(paths, throughSeq) {
      // Deletes this node made before the read below began: the read sees them.
      const settled = [...deletedAt];
      const { rows } = await pool.query<{ path: string; record: ImageRecord; seq: string }>(
        'SELECT path, record, seq FROM rendition_images WHERE path = ANY($1)',
        [paths],
      );
      const found = new Set<string>();
      for (const row of rows) {
        found.add(row.path);
        remember(row.record, Number(row.seq));
      }
      for (const path of paths) if (!found.has(path)) forget(path, throughSeq);
      for (const [path, seq] of settled) if (deletedAt.get(path) === seq) deletedAt.delete(path);
    },
  });

  async function write<T>(sql: string, values: unknown[]): Promise<pg.QueryResult & { rows: T[] }> {
    try {
      return await pool.query(sql, values);
    } catch (error) {
      throw translatePostgresError(error);
    }
  }

  return {
    get(path) {
      return mirror.get(path)?.record;
    },
    list(listOptions: ListOptions): ListPage {
      return pageOf(keys, (key) => (mirror.get(key) as Mirrored).record, listOptions);
    },
    paths() {
      return keys.slice();
    },
    async put(record) {
      const { rows } = await write<{ seq: string }>(PUT_SQL, [
        record.path,
        JSON.stringify(record),
        nodeId,
      ]);
      remember(record, Number(rows[0]?.seq));
    },
    async delete(path) {
      const { rows } = await write<{ seq: string }>(DELETE_SQL, [path, nodeId]);
      const seq = rows[0]?.seq;
      // Another node may have deleted it already: the mirror follows the table either way.
      forget(path, seq === undefined ? follower.applied : Number(seq));
      return seq !== undefined;
    },
    get size() {
      return mirror.size;
    },
    sync: {
      follow: (copies) => follower.start(copies),
      async publishPurge(path, scope) {
        await write(PURGE_SQL, [path, scope === 'all' ? 'purge-all' : 'purge-crop', nodeId]);
      },
      checkInStep: () => follower.checkInStep(),
      state: () => follower.state(),
    },
    pool,
    nodeId,
    async close() {
      await follower.stop();
      await pool.end();
    },
  };
}
