// The PostgreSQL registry on a real server (the run's throwaway cluster, a database per test):
// migrations under concurrent starts, keyset pages, two nodes seeing each other's writes and
// purges through the change log, replay after a restart, unreachable -> REGISTRY_UNAVAILABLE.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { APPLIED_SEQ_FILE } from '../../src/registry/postgres/change-follower.js';
import { MIGRATIONS, migrate } from '../../src/registry/postgres/migrations.js';
import {
  openPostgresRegistry,
  type PostgresRegistry,
} from '../../src/registry/postgres/postgres-registry.js';
import type { LocalCopies, PurgeScope } from '../../src/registry/registry.js';
import { skipWithoutPostgres, suiteDatabase } from '../helpers/postgres.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';
import { describeRegistryContract, recordFor } from './registry-contract.js';

/** What a node's cache was told to do. */
function recordingCopies(): LocalCopies & { purges: [string, PurgeScope][]; emptied: number } {
  const copies = {
    purges: [] as [string, PurgeScope][],
    emptied: 0,
    async purge(path: string, scope: PurgeScope) {
      copies.purges.push([path, scope]);
    },
    async purgeEverything() {
      copies.emptied += 1;
    },
  };
  return copies;
}

describe.skipIf(skipWithoutPostgres())('postgres registry', () => {
  describeRegistryContract('postgres', () => {
    let url: string | undefined;
    let dataDir: string | undefined;
    const openOne = async () => {
      url ??= await suiteDatabase('contract');
      dataDir ??= await mkdtemp(join(tmpdir(), 'rendition-pg-node-'));
      dirs.push(dataDir);
      const registry = await openPostgresRegistry({
        databaseUrl: url,
        poolSize: 4,
        dataDir,
        heartbeatMs: 100,
        maxStalenessMs: 60_000,
      });
      await registry.sync.follow({ async purge() {}, async purgeEverything() {} });
      return registry;
    };
    return { open: openOne, reopen: openOne };
  });

  let databaseUrl: string;
  let dirs: string[];
  let open: PostgresRegistry[];

  beforeEach(async () => {
    databaseUrl = await suiteDatabase('registry');
    dirs = [];
    open = [];
  });
  afterEach(async () => {
    await Promise.all(open.map((registry) => registry.close().catch(() => undefined)));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** One node: its own DATA_DIR, the shared database, following the log. */
  async function node(
    options: { dataDir?: string; url?: string; copies?: LocalCopies } = {},
  ): Promise<{ registry: PostgresRegistry; copies: LocalCopies; dataDir: string }> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'rendition-pg-node-')));
    if (options.dataDir === undefined) dirs.push(dataDir);
    const registry = await openPostgresRegistry({
      databaseUrl: options.url ?? databaseUrl,
      poolSize: 4,
      dataDir,
      heartbeatMs: 100,
      maxStalenessMs: 60_000,
    });
    open.push(registry);
    const copies = options.copies ?? recordingCopies();
    await registry.sync.follow(copies);
    return { registry, copies, dataDir };
  }

  it('applies the migrations once when several nodes start at once', async () => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: databaseUrl }));
    try {
      const applied = await Promise.all(pools.map((pool) => migrate(pool)));
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      const { rows } = await (pools[0] as pg.Pool).query(
        'SELECT version FROM rendition_migrations ORDER BY version',
      );
      expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses a database migrated by a newer version', async () => {
    const pool = new pg.Pool({ connectionString: databaseUrl });
    try {
      await migrate(pool);
      await pool.query("INSERT INTO rendition_migrations VALUES (999, 'from the future')");
      await expect(migrate(pool)).rejects.toThrow(/schema version 999.*upgrade rendition/);
    } finally {
      await pool.end();
    }
  });

  it('loads more records than one keyset page at start', async () => {
    const { registry, dataDir } = await node();
    const pool = new pg.Pool({ connectionString: databaseUrl });
    try {
      // 2500 rows straight into the table: three pages of the loader.
      await pool.query(
        `INSERT INTO rendition_images (path, record, seq)
         SELECT 'bulk/' || lpad(i::text, 5, '0') || '.jpg',
                jsonb_build_object('path', 'bulk/' || lpad(i::text, 5, '0') || '.jpg'), 0
         FROM generate_series(1, 2500) AS i`,
      );
    } finally {
      await pool.end();
    }
    await registry.close();
    const { registry: reopened } = await node({ dataDir });
    expect(reopened.size).toBe(2500);
    expect(reopened.paths()[2499]).toBe('bulk/02500.jpg');
  });

  it("shows each node the other's writes, and tells it of purges but not its own", async () => {
    const a = await node();
    const b = await node();
    await a.registry.put(recordFor('shared.jpg'));
    await until(() => b.registry.get('shared.jpg') !== undefined);
    await b.registry.put(recordFor('shared.jpg', { ppoi: { x: 0.9, y: 0.1 } }));
    await until(() => a.registry.get('shared.jpg')?.ppoi.x === 0.9);

    await a.registry.sync.publishPurge('shared.jpg', 'crop');
    await b.registry.delete('shared.jpg');
    await b.registry.sync.publishPurge('shared.jpg', 'all');
    await until(() => a.registry.get('shared.jpg') === undefined);
    await until(() => (a.copies as ReturnType<typeof recordingCopies>).purges.length === 1);
    expect((a.copies as ReturnType<typeof recordingCopies>).purges).toEqual([
      ['shared.jpg', 'all'],
    ]);
    await until(() => (b.copies as ReturnType<typeof recordingCopies>).purges.length === 1);
    expect((b.copies as ReturnType<typeof recordingCopies>).purges).toEqual([
      ['shared.jpg', 'crop'],
    ]);
  });

  it('replays the purges made while a node was down before it follows again', async () => {
    const a = await node();
    const b = await node();
    await b.registry.close();
    await a.registry.put(recordFor('gone.jpg'));
    await a.registry.sync.publishPurge('gone.jpg', 'all');
    await a.registry.delete('gone.jpg');
    await a.registry.sync.publishPurge('kept.jpg', 'crop');

    const copies = recordingCopies();
    const restarted = await node({ dataDir: b.dataDir, copies });
    // Applied during follow(), before it resolved: before the node serves.
    expect(copies.purges).toEqual([
      ['gone.jpg', 'all'],
      ['kept.jpg', 'crop'],
    ]);
    expect(copies.emptied).toBe(0);
    expect(restarted.registry.get('gone.jpg')).toBeUndefined();
  });

  it('empties the cache of a node whose last applied change is unknown', async () => {
    const first = await node();
    expect((first.copies as ReturnType<typeof recordingCopies>).emptied).toBe(1);
    await first.registry.close();
    const copies = recordingCopies();
    await node({ dataDir: first.dataDir, copies });
    expect(copies.emptied).toBe(0);

    const lost = await mkdtemp(join(tmpdir(), 'rendition-pg-node-'));
    dirs.push(lost);
    await writeFile(join(lost, APPLIED_SEQ_FILE), 'not a number\n');
    const unknown = recordingCopies();
    await node({ dataDir: lost, copies: unknown });
    expect(unknown.emptied).toBe(1);
  });

  it('answers REGISTRY_UNAVAILABLE while PostgreSQL cannot be reached, then recovers', async () => {
    const port = Number(new URL(databaseUrl).port);
    const proxy = await startTcpProxy(port);
    try {
      const viaProxy = new URL(databaseUrl);
      viaProxy.port = String(proxy.port);
      const { registry } = await node({ url: viaProxy.href });
      await registry.put(recordFor('before.jpg'));
      await proxy.cut();
      const error = await registry.put(recordFor('x.jpg')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('REGISTRY_UNAVAILABLE');
      await until(() => registry.sync.state() !== 'ok');
      expect(() => registry.sync.checkInStep()).toThrow(/cannot be reached/);
      // Reads are served from the node's copy meanwhile.
      expect(registry.get('before.jpg')).toBeDefined();
      await proxy.restore();
      await until(() => registry.sync.state() === 'ok');
      await registry.put(recordFor('x.jpg'));
      expect(registry.get('x.jpg')).toBeDefined();
    } finally {
      await proxy.close();
    }
  });
});
