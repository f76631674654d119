// B4: hits served by Node from memory (hot cache) vs a minimal Hono route answering the same
// bytes from memory; validators must agree with nginx's. B5: hits served by Node from disk
// (HOT_CACHE_BYTES=0) vs a minimal Hono route doing readFile per request. Pinned: wrk on
// core 0, the server on core 1.

import { request } from 'node:http';
import { freePort } from '../../test/helpers/net.js';
import { get } from '../lib/client.js';
import type { Context, RowGroup } from '../lib/context.js';
import { HIT_PATH, prepareHit } from '../lib/hit.js';
import { interleaved, type Point } from '../lib/points.js';
import { type Row, row } from '../lib/report.js';
import { renditionNginxConfig, startBaseline, startNginx, startRendition } from '../lib/servers.js';
import { runWrk } from '../lib/wrk.js';

const CONNECTIONS = 16;

export const b4: RowGroup = {
  id: 'B4',
  title: 'hit served by Node, hot, vs Hono from memory',
  run: (ctx) => nodeHits(ctx, 'hot'),
};

export const b5: RowGroup = {
  id: 'B5',
  title: 'hit served by Node, cold, vs Hono readFile per request',
  run: (ctx) => nodeHits(ctx, 'cold'),
};

async function nodeHits(ctx: Context, kind: 'hot' | 'cold'): Promise<Row[]> {
  const id = kind === 'hot' ? 'B4' : 'B5';
  const node = await startRendition({
    dir: await ctx.scratch(id.toLowerCase()),
    cpus: '1',
    ...(kind === 'cold' ? { env: { HOT_CACHE_BYTES: '0' } } : {}),
  });
  const stops: (() => Promise<void>)[] = [() => node.stop()];
  try {
    const file = await prepareHit(node, ctx.inputs.mosaic);
    const hono = await startBaseline({
      name: `hono (${kind === 'hot' ? 'memory' : 'readFile'})`,
      script: 'hono',
      env: { FILE: file, BASELINE: kind === 'hot' ? 'memory' : 'readFile' },
      cpus: '1',
    });
    stops.push(() => hono.stop());
    // The same hits with the JSON access log on (a line per request to a pipe): no goal.
    const logged =
      kind === 'hot'
        ? await startRendition({
            dir: await ctx.scratch('b4-logged'),
            cpus: '1',
            env: { ACCESS_LOG: 'true' },
          })
        : undefined;
    if (logged !== undefined) {
      stops.push(() => logged.stop());
      await prepareHit(logged, ctx.inputs.mosaic);
    }
    let agree: boolean | undefined;
    if (kind === 'hot') {
      const frontPort = await freePort();
      const front = await startNginx({
        name: 'nginx (rendition config)',
        dir: await ctx.scratch('b4-front'),
        siteConfig: await renditionNginxConfig(node, frontPort),
        port: frontPort,
      });
      stops.push(() => front.stop());
      const [fromNode, fromNginx] = await Promise.all([
        validators(`${node.url}${HIT_PATH}`),
        validators(`${front.url}${HIT_PATH}`),
      ]);
      agree = fromNode === fromNginx;
      ctx.detail('B4 validators', { node: fromNode, nginx: fromNginx });
    }
    const setups = {
      ours: (seconds: number) =>
        runWrk({ url: `${node.url}${HIT_PATH}`, connections: CONNECTIONS, seconds, cpus: '0' }),
      hono: (seconds: number) =>
        runWrk({ url: `${hono.url}/file`, connections: CONNECTIONS, seconds, cpus: '0' }),
    };
    let points: Record<keyof typeof setups, Point>;
    let loggedPoint: Point | undefined;
    if (logged === undefined) {
      points = await interleaved(ctx.options, setups);
    } else {
      const all = await interleaved(ctx.options, {
        ...setups,
        logged: (seconds: number) =>
          runWrk({ url: `${logged.url}${HIT_PATH}`, connections: CONNECTIONS, seconds, cpus: '0' }),
      });
      points = all;
      loggedPoint = all.logged;
    }
    const outcome = (await get(`${node.url}${HIT_PATH}`, false)).outcome;
    ctx.detail(id, points);
    const notes = [
      ...(agree === false ? ['ETag/Last-Modified differ from nginx'] : []),
      ...(outcome !== 'hit' ? [`X-Rendition-Cache ${outcome}`] : []),
    ];
    return [
      row({
        id,
        workload:
          kind === 'hot'
            ? `hit served by Node from memory, c=${CONNECTIONS}`
            : `hit served by Node from disk (HOT_CACHE_BYTES=0), c=${CONNECTIONS}`,
        ours: { value: points.ours.rps, unit: 'req/s' },
        baseline: {
          label: kind === 'hot' ? 'Hono memory' : 'Hono readFile',
          value: points.hono.rps,
          unit: 'req/s',
        },
        minRatio: kind === 'hot' ? 0.85 : 0.9,
        ...(agree === undefined ? {} : { holds: agree }),
        ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
      }),
      ...(loggedPoint === undefined
        ? []
        : [
            row({
              id,
              workload: `hit served by Node from memory with ACCESS_LOG=true, c=${CONNECTIONS}`,
              ours: { value: loggedPoint.rps, unit: 'req/s' },
              baseline: { label: 'Hono memory', value: points.hono.rps, unit: 'req/s' },
            }),
          ]),
    ];
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** `ETag | Last-Modified` of a GET. */
function validators(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      res.once('end', () => resolve(`${res.headers.etag} | ${res.headers['last-modified']}`));
    })
      .once('error', reject)
      .end();
  });
}
