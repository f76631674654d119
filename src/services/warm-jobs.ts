// Bulk warm jobs: one key set over many images, bounded concurrency, progress, failures
// listed. In memory on one node; with a job table (REGISTRY=postgres) every node answers
// for every job, and a job whose node died is taken over by a live one.

import { randomUUID } from 'node:crypto';
import { publicErrorFor } from '../errors.js';
import type { JobFailure, JobState, JobTable, StoredJob } from '../registry/job-table.js';

export type { JobState };

/** A bulk warm job as `GET /admin/jobs/<id>` reports it. */
export interface WarmJob {
  readonly id: string;
  readonly keySet: string;
  readonly state: JobState;
  readonly total: number;
  readonly done: number;
  /** Images that failed, with why; the job carries on past them. */
  readonly failed: JobFailure[];
  /** Renditions rendered by this job (already cached ones are not counted). */
  readonly created: number;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export interface WarmJobsOptions {
  readonly concurrency: number;
  /** Warms one image: renditions created, and why some failed (if any did). */
  readonly warmOne: (
    path: string,
    keySet: string,
  ) => Promise<{ created: number; error?: { code: string; message: string } }>;
  /** Finished jobs kept in memory for `get`. */
  readonly keepFinished?: number;
  /** Shared jobs (REGISTRY=postgres); absent: this node's memory only. */
  readonly table?: JobTable;
  /** How often this node beats for its jobs and looks for orphaned ones (ms). */
  readonly heartbeatMs?: number;
  /** Whether this node can warm `keySet` (a job taken over may name one it lacks). */
  readonly knowsKeySet?: (keySet: string) => boolean;
  /** A failed write to the job table; the job goes on in memory. */
  readonly onError?: (error: unknown) => void;
}

export interface WarmJobs {
  start(keySet: string, paths: readonly string[]): Promise<WarmJob>;
  get(id: string): Promise<WarmJob | undefined>;
  /**
   * Starts no further image in any job and waits for those under way. In memory the jobs
   * are marked `stopped`; in a job table they are handed back for another node to finish.
   */
  stop(): Promise<void>;
}

/** A job this node is working on: mutable progress, and which of its paths are finished. */
interface Running {
  job: Omit<StoredJob, 'state' | 'done' | 'created' | 'failed' | 'finishedAt' | 'resumeAt'> & {
    state: JobState;
    done: number;
    created: number;
    failed: JobFailure[];
    finishedAt: string | null;
    resumeAt: number;
  };
  readonly finished: boolean[];
  /** Writes to the table, one after another so they land in order. */
  writes: Promise<unknown>;
  /** Another node took it over (this one was thought dead): stop working on it. */
  lost: boolean;
}

/**
 * A job counts as orphaned once its node has missed this many beats, and never sooner than
 * ORPHAN_FLOOR_MS: a node busy rendering (or paused by a loaded machine) for a moment is
 * not dead. Taking over a live node's job is harmless (warming is idempotent; the old owner
 * sees it lost and stops), only wasteful.
 */
const MISSED_BEATS = 5;
const ORPHAN_FLOOR_MS = 2_000;

export function createWarmJobs(options: WarmJobsOptions): WarmJobs {
  const { table } = options;
  const jobs = new Map<string, Running>();
  const running = new Set<Promise<void>>();
  const keepFinished = options.keepFinished ?? 100;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  let stopping = false;

  function save(entry: Running): void {
    if (table === undefined || entry.lost) return;
    const { job } = entry;
    const progress = {
      state: job.state,
      done: job.done,
      created: job.created,
      failed: [...job.failed],
      resumeAt: job.resumeAt,
      finishedAt: job.finishedAt,
    };
    entry.writes = entry.writes
      .then(() => table.update(job.id, progress))
      .then(
        (owned) => {
          if (owned === false) entry.lost = true;
        },
        (error: unknown) => options.onError?.(error),
      );
  }

  async function run(entry: Running): Promise<void> {
    const { job, finished } = entry;
    const { paths } = job;
    let next = job.resumeAt;
    const worker = async () => {
      while (next < paths.length && !stopping && !entry.lost) {
        const index = next;
        const path = paths[index] as string;
        next += 1;
        try {
          const result = await options.warmOne(path, job.keySet);
          job.created += result.created;
          if (result.error !== undefined) job.failed.push({ path, error: result.error });
        } catch (error) {
          job.failed.push({ path, error: publicErrorFor(error).body.error });
        }
        job.done += 1;
        finished[index] = true;
        while (finished[job.resumeAt] === true) job.resumeAt += 1;
        save(entry);
      }
    };
    const workers = Math.min(options.concurrency, paths.length - next);
    await Promise.all(Array.from({ length: Math.max(workers, 0) }, worker));
    if (entry.lost) {
      jobs.delete(job.id);
      return;
    }
    if (job.resumeAt >= paths.length) {
      job.state = 'done';
      job.finishedAt = new Date().toISOString();
    } else if (table === undefined) {
      job.state = 'stopped';
      job.finishedAt = new Date().toISOString();
    }
    save(entry);
    await entry.writes;
    forgetOldJobs();
  }

  function launch(entry: Running): void {
    jobs.set(entry.job.id, entry);
    const promise = run(entry).finally(() => running.delete(promise));
    running.add(promise);
  }

  function forgetOldJobs(): void {
    const finished = [...jobs.values()].filter(({ job }) => job.state !== 'running');
    for (const { job } of finished.slice(0, Math.max(0, finished.length - keepFinished)))
      jobs.delete(job.id);
  }

  /** A job taken over from a node that stopped beating: resumed where it left off. */
  function resume(stored: StoredJob): void {
    const finished = stored.paths.map((_, index) => index < stored.resumeAt);
    // Failures of paths after resumeAt are recounted when those paths run again.
    const before = new Set(stored.paths.slice(0, stored.resumeAt));
    const entry: Running = {
      job: {
        ...stored,
        paths: stored.paths,
        done: stored.resumeAt,
        failed: stored.failed.filter((failure) => before.has(failure.path)),
      },
      finished,
      writes: Promise.resolve(),
      lost: false,
    };
    if (options.knowsKeySet !== undefined && !options.knowsKeySet(stored.keySet)) {
      entry.job.state = 'failed';
      entry.job.finishedAt = new Date().toISOString();
      entry.job.failed.push({
        path: stored.paths[stored.resumeAt] ?? '',
        error: {
          code: 'UNKNOWN_KEY_SET',
          message: `The node that took this job over has no key set "${stored.keySet}"`,
        },
      });
      jobs.set(stored.id, entry);
      save(entry);
      return;
    }
    launch(entry);
  }

  let sweeping: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  async function sweep(): Promise<void> {
    if (table === undefined || stopping) return;
    try {
      const mine = [...jobs.values()]
        .filter((entry) => entry.job.state === 'running' && !entry.lost)
        .map((entry) => entry.job.id);
      await table.beat(mine);
      for (const stored of await table.adopt(
        Math.max(heartbeatMs * MISSED_BEATS, ORPHAN_FLOOR_MS),
      )) {
        if (!stopping) resume(stored);
      }
    } catch (error) {
      options.onError?.(error);
    }
  }
  if (table !== undefined) {
    const tick = () => {
      sweeping = sweep().finally(() => {
        if (!stopping) timer = setTimeout(tick, heartbeatMs).unref();
      });
    };
    tick();
  }

  return {
    async start(keySet, paths) {
      const entry: Running = {
        job: {
          id: randomUUID(),
          keySet,
          paths: [...paths],
          state: 'running',
          total: paths.length,
          done: 0,
          failed: [],
          created: 0,
          resumeAt: 0,
          createdAt: new Date().toISOString(),
          finishedAt: null,
        },
        finished: paths.map(() => false),
        writes: Promise.resolve(),
        lost: false,
      };
      // Recorded before it is acknowledged: a 202 always names a job every node can find.
      await table?.insert(entry.job);
      launch(entry);
      return viewOf(entry.job);
    },
    async get(id) {
      const held = jobs.get(id);
      if (held !== undefined && !held.lost) return viewOf(held.job);
      const stored = await table?.get(id);
      return stored === undefined ? undefined : viewOf(stored);
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await sweeping;
      while (running.size > 0) await Promise.all(running);
      if (table === undefined) return;
      const unfinished = [...jobs.values()].filter(
        (entry) => entry.job.state === 'running' && !entry.lost,
      );
      await table.release(unfinished.map((entry) => entry.job.id)).catch(options.onError);
    },
  };
}

/** The public view: what `GET /admin/jobs/<id>` answers (no paths, no resume index). */
function viewOf(job: Omit<StoredJob, 'paths' | 'resumeAt'>): WarmJob {
  return {
    id: job.id,
    keySet: job.keySet,
    state: job.state,
    total: job.total,
    done: job.done,
    failed: [...job.failed],
    created: job.created,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}
