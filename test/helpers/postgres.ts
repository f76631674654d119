// A database of its own for each suite, in the run's one PostgreSQL cluster (started by
// test/helpers/postgres-global-setup.ts).

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { POSTGRES_USER } from './postgres-cluster.js';

export { skipWithoutPostgres } from './postgres-cluster.js';

/** The URL of the run's cluster's `database`. */
export function postgresUrlFor(database: string): string {
  const port = inject('postgresPort');
  if (port === 0) throw new Error('no PostgreSQL cluster in this run (skipWithoutPostgres first)');
  return `postgres://${POSTGRES_USER}@127.0.0.1:${port}/${database}`;
}

/** Creates a fresh, empty database named after `label` and returns its URL. */
export async function suiteDatabase(label: string): Promise<string> {
  const name = `${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrlFor('postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return postgresUrlFor(name);
}

/**
 * The settings of one node of several sharing `databaseUrl` and the MEDIA_ROOT `media`, with
 * roots of its own under `<dir>/<name>` and a quick heartbeat.
 */
export function nodeSettings(
  databaseUrl: string,
  media: string,
  dir: string,
  name: string,
): Record<string, string> {
  return {
    REGISTRY: 'postgres',
    DATABASE_URL: databaseUrl,
    MEDIA_ROOT: media,
    CACHE_ROOT: join(dir, name, 'cache'),
    DATA_DIR: join(dir, name, 'data'),
    REGISTRY_HEARTBEAT_MS: '100',
  };
}
