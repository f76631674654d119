// `rendition gc [--dry-run]`: evicts the least recently used renditions until CACHE_ROOT is
// back within CACHE_MAX_BYTES, working on the root directly (safe beside a running server).

import { realpath } from 'node:fs/promises';
import { walkCache } from '../cache/cache-walk.js';
import { evictFiles } from '../cache/evict-files.js';
import { type CacheEntry, planEviction } from '../cache/eviction-plan.js';
import { rootsOverlap } from '../config/load-config.js';
import { isMissing } from '../fs/inside-root.js';
import type { Command } from './cli-context.js';
import { parseCommandArgs } from './parse-command-args.js';

const OPTIONS = { 'dry-run': { type: 'boolean' } } as const;

/** Exit 0 when the cache is within its budget afterwards (or would be); 1 if a file could not go. */
export const gcCommand: Command = async function gcCommand(context, args) {
  const { values } = parseCommandArgs('gc', args, OPTIONS);
  const dryRun = values['dry-run'] === true;
  const { cacheRoot } = context.config.roots;
  const limits = context.config.cacheBudget;
  const out = (line: string) => context.stdout.write(`${line}\n`);
  if (limits.maxBytes === 0) {
    out('CACHE_MAX_BYTES is 0 (no budget): nothing to evict');
    return 0;
  }
  const root = await realpath(cacheRoot).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw error;
  });
  if (root === undefined) {
    out(`CACHE_ROOT ${cacheRoot} does not exist: nothing to evict`);
    return 0;
  }

  // By real path, as the server checks at start: a CACHE_ROOT that is MEDIA_ROOT through a
  // symlink would evict originals and the registry.
  const realOrAsIs = (dir: string) => realpath(dir).catch(() => dir);
  const overlap = rootsOverlap({
    mediaRoot: await realOrAsIs(context.config.roots.mediaRoot),
    cacheRoot: root,
    dataDir: await realOrAsIs(context.config.roots.dataDir),
  });
  if (overlap !== undefined) throw new Error(`${overlap} (compared with symlinks resolved)`);

  const entries = await walkCache(root);
  const plan = planEviction(entries, limits);
  out(
    `CACHE_ROOT=${cacheRoot}: ${formatBytes(plan.bytes)} in ${entries.length} files; budget ${formatBytes(limits.maxBytes)}, low water ${formatBytes(limits.lowWaterBytes)}`,
  );
  if (plan.victims.length === 0) {
    out('within the budget: nothing to evict');
    return 0;
  }
  const verb = dryRun ? 'would evict' : 'evicted';
  const report = await evictFiles(plan.victims, {
    cacheRoot: root,
    dryRun,
    onEvicted: (entry) => out(`${verb}  ${formatEntry(entry)}`),
  });
  const left = plan.bytes - report.freed - sizeOf(report.gone);
  out(
    `${verb} ${report.evicted.length} files, ${dryRun ? 'would free' : 'freed'} ${formatBytes(report.freed)}; ${formatBytes(left)} in ${entries.length - report.evicted.length - report.gone.length} files ${dryRun ? 'would remain' : 'remain'}`,
  );
  if (report.kept.length > 0 || report.gone.length > 0) {
    out(
      `  (${report.kept.length} used or rewritten meanwhile, kept; ${report.gone.length} already gone)`,
    );
  }
  for (const { entry, error } of report.failed) {
    context.stderr.write(
      `rendition: could not evict ${entry.path}: ${(error as Error).message ?? String(error)}\n`,
    );
  }
  return report.failed.length === 0 ? 0 : 1;
};

function sizeOf(entries: readonly CacheEntry[]): number {
  return entries.reduce((sum, entry) => sum + entry.size, 0);
}

function formatEntry(entry: CacheEntry): string {
  return `${entry.path}  ${entry.size} bytes  last used ${new Date(entry.lastUse).toISOString()}`;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'];

/** `1234567 bytes (1.2 MiB)`: exact for scripts, rounded for people. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = '';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit === '' ? `${bytes} bytes` : `${bytes} bytes (${value.toFixed(1)} ${unit})`;
}
