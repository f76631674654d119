// The PostgreSQL schema as numbered migrations, applied at start under an advisory lock so
// several nodes starting at once apply each exactly once (the others wait, then see it done).

import type pg from 'pg';

export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** Append only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'images, the change log (registry changes and purges), warm jobs',
    sql: `
      CREATE TABLE rendition_images (
        path text COLLATE "C" PRIMARY KEY,
        record jsonb NOT NULL,
        -- The change-log seq of the write that made this version of the row.
        seq bigint NOT NULL
      );
      CREATE TABLE rendition_changes (
        seq bigserial PRIMARY KEY,
        path text COLLATE "C" NOT NULL,
        kind text NOT NULL CHECK (kind IN ('put', 'delete', 'purge-all', 'purge-crop')),
        -- The node that made the change (it applied it already).
        origin text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX rendition_changes_at ON rendition_changes (at);
      -- Wakes every node's LISTEN once per writing statement; they read the log themselves.
      CREATE FUNCTION rendition_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('rendition_changes', ''); RETURN NULL; END
      $$;
      CREATE TRIGGER rendition_changes_notify AFTER INSERT ON rendition_changes
        FOR EACH STATEMENT EXECUTE FUNCTION rendition_notify_change();
      CREATE TABLE rendition_jobs (
        id uuid PRIMARY KEY,
        key_set text NOT NULL,
        paths jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('running', 'done', 'stopped', 'failed')),
        total integer NOT NULL,
        done integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        failed jsonb NOT NULL DEFAULT '[]',
        owner text NOT NULL,
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX rendition_jobs_running ON rendition_jobs (heartbeat_at) WHERE state = 'running';
    `,
  },
  {
    version: 2,
    description: 'warm jobs: where a node taking a job over starts',
    sql: `
      ALTER TABLE rendition_jobs ADD COLUMN resume_at integer NOT NULL DEFAULT 0;
    `,
  },
];

/** The lock every starting node takes around migrating (a 64-bit key from a fixed name). */
const MIGRATION_LOCK = "hashtextextended('rendition:migrations', 0)";

/**
 * Applies the migrations this database lacks, each in its own transaction, under a
 * session-level advisory lock (released at the end, or by PostgreSQL if this node dies).
 * Returns the versions applied now. Refuses a database migrated by a newer rendition.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS rendition_migrations (
         version integer PRIMARY KEY,
         description text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = await client.query<{ version: number }>(
      'SELECT version FROM rendition_migrations',
    );
    const versions = new Set(done.rows.map((row) => row.version));
    const newest = Math.max(0, ...versions);
    const known = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
    if (newest > known) {
      throw new Error(
        `The database is at schema version ${newest} but this rendition knows up to ${known}: upgrade rendition (or point DATABASE_URL at another database)`,
      );
    }
    for (const migration of MIGRATIONS) {
      if (versions.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(
          'INSERT INTO rendition_migrations (version, description) VALUES ($1, $2)',
          [migration.version, migration.description],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.version);
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    client.release();
  }
  return applied;
}
