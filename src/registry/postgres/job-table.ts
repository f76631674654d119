// Warm jobs in PostgreSQL (rendition_jobs): every node answers GET /admin/jobs/<id>, and a
// node that stops beating loses its jobs to one that is alive.

import type pg from 'pg';
import type { JobProgress, JobTable, StoredJob } from '../job-table.js';

interface JobRow {
  id: string;
  key_set: string;
  paths: string[];
  state: StoredJob['state'];
  total: number;
  done: number;
  created: number;
  failed: StoredJob['failed'];
  resume_at: number;
  created_at: Date;
  finished_at: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const COLUMNS =
  'id, key_set, paths, state, total, done, created, failed, resume_at, created_at, finished_at';

function jobOf(row: JobRow): StoredJob {
  return {
    id: row.id,
    keySet: row.key_set,
    paths: row.paths,
    state: row.state,
    total: row.total,
    done: row.done,
    created: row.created,
    failed: row.failed,
    resumeAt: row.resume_at,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export function createPostgresJobTable(pool: pg.Pool, nodeId: string): JobTable {
  return {
    async insert(job) {
      await pool.query(
        `INSERT INTO rendition_jobs (id, key_set, paths, state, total, owner, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          job.id,
          job.keySet,
          JSON.stringify(job.paths),
          job.state,
          job.total,
          nodeId,
          job.createdAt,
        ],
      );
    },
    async update(id, progress: JobProgress) {
      const result = await pool.query(
        `UPDATE rendition_jobs
            SET state = $3, done = $4, created = $5, failed = $6, resume_at = $7,
                finished_at = $8, heartbeat_at = now()
          WHERE id = $1 AND owner = $2`,
        [
          id,
          nodeId,
          progress.state,
          progress.done,
          progress.created,
          JSON.stringify(progress.failed),
          progress.resumeAt,
          progress.finishedAt,
        ],
      );
      return result.rowCount === 1;
    },
    async get(id) {
      // Any other id names no job (and would be a uuid syntax error, not a miss).
      if (!UUID.test(id)) return undefined;
      const { rows } = await pool.query<JobRow>(
        `SELECT ${COLUMNS} FROM rendition_jobs WHERE id = $1`,
        [id],
      );
      return rows[0] === undefined ? undefined : jobOf(rows[0]);
    },
    async beat(ids) {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE rendition_jobs SET heartbeat_at = now()
          WHERE id = ANY($1::uuid[]) AND owner = $2 AND state = 'running'`,
        [ids, nodeId],
      );
    },
    async release(ids) {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE rendition_jobs SET heartbeat_at = 'epoch'
          WHERE id = ANY($1::uuid[]) AND owner = $2 AND state = 'running'`,
        [ids, nodeId],
      );
    },
    async adopt(staleMs) {
      // SKIP LOCKED: two live nodes sweeping at once split the orphans, never share one.
      const { rows } = await pool.query<JobRow>(
        `UPDATE rendition_jobs SET owner = $1, heartbeat_at = now()
          WHERE id IN (
            SELECT id FROM rendition_jobs
             WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => $2)
             ORDER BY created_at LIMIT 16 FOR UPDATE SKIP LOCKED)
          RETURNING ${COLUMNS}`,
        [nodeId, staleMs / 1000],
      );
      return rows.map(jobOf);
    },
  };
}
