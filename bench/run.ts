// `npm run bench [-- --quick]`: every setup on 127.0.0.1 side by side in one run, wrk for
// load, ratios against the baselines; writes bench/results/latest.{json,md}.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, RowGroup } from './lib/context.js';
import { scratchIn } from './lib/context.js';
import { parseOptions, USAGE } from './lib/options.js';
import { prepareInputs } from './lib/photos.js';
import {
  markdownTable,
  type Results,
  type Row,
  rowLine,
  writePerformanceTable,
  writeRerunRows,
  writeResults,
} from './lib/report.js';
import { REPO } from './lib/servers.js';
import { ensureTools, versions } from './lib/tools.js';
import { b1 } from './rows/b1-cold-miss.js';
import { b2 } from './rows/b2-miss-throughput.js';
import { b3 } from './rows/b3-nginx-hit.js';
import { b4, b5 } from './rows/b4-b5-node-hit.js';
import { b6 } from './rows/b6-nginx-fallback.js';
import { b7 } from './rows/b7-coalescing.js';
import { b8 } from './rows/b8-memory.js';
import { b9 } from './rows/b9-registry.js';
import { b10 } from './rows/b10-hits-under-misses.js';
import { b11 } from './rows/b11-warm.js';
import { b12 } from './rows/b12-s3-originals.js';
import { b13 } from './rows/b13-shared-renditions.js';
import { b15 } from './rows/b15-neighbour-load.js';
import { b14 } from './rows/b14-postgres.js';
import { b16 } from './rows/b16-animation.js';

const GROUPS: readonly RowGroup[] = [
  b1,
  b2,
  b3,
  b4,
  b5,
  b6,
  b7,
  b8,
  b9,
  b10,
  b11,
  b12,
  b13,
  b14,
  b15,
  b16,
];

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const log = (line: string) =>
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

  ensureTools(log);
  if (!options.noBuild) {
    log('npm run build');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
  }
  if (!existsSync(join(REPO, 'dist', 'cli.js')))
    throw new Error('dist/cli.js is missing: run `npm run build`');
  const v = versions();
  log(
    `Node ${v.node}, sharp ${v.sharp}, libvips ${v.libvips}, sharp.concurrency() ${v.sharpConcurrency}, ` +
      `nginx ${v.nginx}, wrk ${v.wrk}, ipx ${v.ipx} (sharp ${v.ipxSharp}); ${v.cores} x ${v.cpu}`,
  );
  log(options.quick ? 'quick mode: reduced precision' : 'full mode');
  const inputs = await prepareInputs(log);

  const scratchRoot = await mkdtemp(join(tmpdir(), 'rendition-bench-run-'));
  const details: Record<string, unknown> = {};
  const ctx: Context = {
    options,
    inputs,
    log,
    scratch: scratchIn(scratchRoot),
    detail: (id, value) => {
      details[id] = value;
    },
  };
  const rows: Row[] = [];
  const failures: { id: string; error: string }[] = [];
  const groups = GROUPS.filter((g) => options.only.length === 0 || options.only.includes(g.id));
  try {
    for (const group of groups) {
      log(`${group.id}: ${group.title}`);
      try {
        for (const r of await group.run(ctx)) {
          rows.push(r);
          log(rowLine(r));
        }
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        failures.push({ id: group.id, error: message });
        log(`${group.id} FAILED: ${message}`);
      }
    }
  } finally {
    await rm(scratchRoot, { recursive: true, force: true });
  }

  const results: Results = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    protocol: {
      warmupS: options.warmupS,
      durationS: options.durationS,
      reps: options.reps,
      b1Misses: options.b1Misses,
    },
    versions: v,
    rows,
    failures,
    details,
  };
  const written = await writeResults(join(REPO, 'bench', 'results'), results);
  if (!options.quick && failures.length === 0) {
    const page = join(REPO, 'docs', 'performance.md');
    if (options.only.length === 0) {
      if (await writePerformanceTable(page, results)) written.push(`${page} (the table)`);
    } else if (await writeRerunRows(page, options.only, results)) {
      written.push(`${page} (rows ${options.only.join(', ')})`);
    }
  }
  console.log(`\n${markdownTable(rows, options.quick)}\n`);
  const goals = rows.filter((r) => r.holds !== undefined);
  log(
    `${goals.filter((r) => r.holds).length} of ${goals.length} goals hold; wrote ${written.join(', ')}`,
  );
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
