// B14: REGISTRY=postgres beside the embedded lowdb registry. Registration latency over the
// admin API, the two servers interleaved so they share the machine's noise; then how long a
// delete on one of three nodes takes to empty the other two nodes' caches (NOTIFY, a read of
// the change log, the purge), timed from the DELETE's answer to both cache files gone.

import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { admin, get } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { type Row, row } from '../lib/report.js';
import { ADMIN_TOKEN, type Rendition, startRendition } from '../lib/servers.js';
import { quantile, sleep } from '../lib/stats.js';

const RENDITION = 'thumbnail/64x64.jpg';

function uploadForm(path: string, bytes: Buffer): FormData {
  const form = new FormData();
  form.set('path', path);
  form.set('file', new Blob([bytes]), 'b14.jpg');
  return form;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function register(server: Rendition, path: string, bytes: Buffer): Promise<number> {
  const answer = await admin(server.url, ADMIN_TOKEN, 'POST', '/images', uploadForm(path, bytes));
  if (answer.status !== 201) throw new Error(`B14: ${path}: ${answer.status}`);
  return answer.ms;
}

export const b14: RowGroup = {
  id: 'B14',
  title: 'PostgreSQL registry: registrations beside lowdb; purge propagation to 3 nodes',
  async run(ctx) {
    const cluster = await startPostgresCluster();
    const started: Rendition[] = [];
    try {
      const jpeg = await sharp({
        create: { width: 256, height: 192, channels: 3, background: '#3366cc' },
      })
        .jpeg()
        .toBuffer();
      const count = ctx.options.quick ? 60 : 300;

      const lowdb = await startRendition({
        name: 'b14-lowdb',
        dir: await ctx.scratch('b14-lowdb'),
      });
      started.push(lowdb);
      const postgres = await startRendition({
        name: 'b14-postgres',
        dir: await ctx.scratch('b14-postgres'),
        env: { REGISTRY: 'postgres', DATABASE_URL: await cluster.createDatabase('b14_register') },
      });
      started.push(postgres);
      const times = { lowdb: [] as number[], postgres: [] as number[] };
      for (let i = 0; i < count; i += 1) {
        times.lowdb.push(await register(lowdb, `b14/${i}.jpg`, jpeg));
        times.postgres.push(await register(postgres, `b14/${i}.jpg`, jpeg));
      }
      const rows: Row[] = [
        row({
          id: 'B14',
          workload: `registration p50 over the admin API, ${count} uploads`,
          ours: { label: 'postgres p50', value: quantile(times.postgres, 0.5), unit: 'ms' },
          baseline: { label: 'lowdb p50', value: quantile(times.lowdb, 0.5), unit: 'ms' },
        }),
        row({
          id: 'B14',
          workload: `registration p99 over the admin API, ${count} uploads`,
          ours: { label: 'postgres p99', value: quantile(times.postgres, 0.99), unit: 'ms' },
          baseline: { label: 'lowdb p99', value: quantile(times.lowdb, 0.99), unit: 'ms' },
          maxRatio: 2,
        }),
      ];

      // Three nodes: one database, one MEDIA_ROOT, a cache each.
      const media = await ctx.scratch('b14-media');
      const databaseUrl = await cluster.createDatabase('b14_purge');
      const nodes: Rendition[] = [];
      for (const name of ['a', 'b', 'c']) {
        const node = await startRendition({
          name: `b14-node-${name}`,
          dir: await ctx.scratch(`b14-node-${name}`),
          env: { REGISTRY: 'postgres', DATABASE_URL: databaseUrl, MEDIA_ROOT: media },
        });
        started.push(node);
        nodes.push(node);
      }
      const [a, b, c] = nodes as [Rendition, Rendition, Rendition];
      await mkdir(join(media, 'p'), { recursive: true });
      const rounds = ctx.options.quick ? 20 : 100;
      const propagation: number[] = [];
      for (let i = 0; i < rounds; i += 1) {
        const path = `p/${i}.jpg`;
        await register(a, path, jpeg);
        const files = [b, c].map((node) => join(node.cacheRoot, path, RENDITION));
        for (const node of [b, c]) {
          const answer = await get(`${node.url}/media/${path}/${RENDITION}`, false);
          if (answer.status !== 200) throw new Error(`B14: render on a node: ${answer.status}`);
        }
        const gone = await admin(a.url, ADMIN_TOKEN, 'DELETE', `/images/${path}`);
        if (gone.status !== 204) throw new Error(`B14: delete: ${gone.status}`);
        const deletedAt = performance.now();
        while ((await Promise.all(files.map(exists))).some(Boolean)) {
          if (performance.now() - deletedAt > 10_000) throw new Error('B14: a purge never arrived');
          await sleep(1);
        }
        propagation.push(performance.now() - deletedAt);
      }
      ctx.detail('B14', { registrations: times, propagation });
      rows.push(
        row({
          id: 'B14',
          workload: `purge propagation to 2 other nodes (files gone), ${rounds} deletes`,
          ours: { label: 'p50', value: quantile(propagation, 0.5), unit: 'ms' },
        }),
        row({
          id: 'B14',
          workload: `purge propagation to 2 other nodes (files gone), ${rounds} deletes`,
          ours: { label: 'p99', value: quantile(propagation, 0.99), unit: 'ms' },
          maxValue: 100,
        }),
      );
      return rows;
    } finally {
      for (const server of started.reverse()) await server.stop().catch(() => undefined);
      await cluster.destroy();
    }
  },
};
