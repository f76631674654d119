// Bulk warm jobs: one key set over many images, bounded concurrency, progress, failures listed.

import { randomUUID } from 'node:crypto';
import { publicErrorFor } from '../errors.js';

/** `stopped`: the server shut down before the job finished. */
export type JobState = 'running' | 'done' | 'stopped';

/** A bulk warm job as `GET /admin/jobs/<id>` reports it. */
export interface WarmJob {
  readonly id: string;
  readonly keySet: string;
  state: JobState;
  readonly total: number;
  done: number;
  /** Images that failed, with why; the job carries on past them. */
  readonly failed: { path: string; error: { code: string; message: string } }[];
  /** Renditions rendered by this job (already cached ones are not counted). */
  created: number;
  readonly createdAt: string;
  finishedAt: string | null;
}

export interface WarmJobsOptions {
  readonly concurrency: number;
  /** Warms one image: renditions created, and why some failed (if any did). */
  readonly warmOne: (
    path: string,
    keySet: string,
  ) => Promise<{ created: number; error?: { code: string; message: string } }>;
  /** Finished jobs kept for `get`. */
  readonly keepFinished?: number;
}

export interface WarmJobs {
  start(keySet: string, paths: readonly string[]): WarmJob;
  get(id: string): WarmJob | undefined;
  /** Starts no further image in any job, waits for those under way, marks the jobs stopped. */
  stop(): Promise<void>;
}

export function createWarmJobs(options: WarmJobsOptions): WarmJobs {
  const jobs = new Map<string, WarmJob>();
  const running = new Set<Promise<void>>();
  const keepFinished = options.keepFinished ?? 100;
  let stopping = false;

  async function run(job: WarmJob, paths: readonly string[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < paths.length && !stopping) {
        const path = paths[next] as string;
        next += 1;
        try {
          const result = await options.warmOne(path, job.keySet);
          job.created += result.created;
          if (result.error !== undefined) job.failed.push({ path, error: result.error });
        } catch (error) {
          job.failed.push({ path, error: publicErrorFor(error).body.error });
        }
        job.done += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, paths.length) }, worker));
    job.state = next < paths.length ? 'stopped' : 'done';
    job.finishedAt = new Date().toISOString();
    forgetOldJobs();
  }

  function forgetOldJobs(): void {
    const finished = [...jobs.values()].filter((job) => job.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - keepFinished)))
      jobs.delete(job.id);
  }

  return {
    start(keySet, paths) {
      const job: WarmJob = {
        id: randomUUID(),
        keySet,
        state: 'running',
        total: paths.length,
        done: 0,
        failed: [],
        created: 0,
        createdAt: new Date().toISOString(),
        finishedAt: null,
      };
      jobs.set(job.id, job);
      const promise = run(job, paths).finally(() => running.delete(promise));
      running.add(promise);
      return job;
    },
    get(id) {
      return jobs.get(id);
    },
    async stop() {
      stopping = true;
      while (running.size > 0) await Promise.all(running);
    },
  };
}
