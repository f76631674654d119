// Progress of a bulk warm job on stderr: a cli-progress bar on a TTY (done/total, ETA, failed),
// plain lines otherwise (logs, CI, tests), at most one a second.

import cliProgress from 'cli-progress';
import type { WarmJob } from '../services/warm-jobs.js';

export interface WarmProgress {
  /** Shows the job as just polled. */
  update(job: WarmJob): void;
  /** Leaves the last state on screen; safe to call twice. */
  stop(): void;
}

export interface WarmProgressOptions {
  /** Plain mode: least milliseconds between two lines (default 1000; the last always shows). */
  readonly lineIntervalMs?: number;
  readonly now?: () => number;
}

export function createWarmProgress(
  stream: NodeJS.WriteStream,
  options: WarmProgressOptions = {},
): WarmProgress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream, options);
}

function barProgress(stream: NodeJS.WriteStream): WarmProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'warming {keySet} [{bar}] {percentage}% | {value}/{total} images | ETA {eta_formatted} | {failed} failed',
      etaBuffer: 50,
      hideCursor: true,
      // The warm command handles Ctrl-C itself (the bar's own handler would swallow it).
      gracefulExit: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(job) {
      const payload = { keySet: job.keySet, failed: job.failed.length };
      if (!started) {
        started = true;
        bar.start(job.total, job.done, payload);
      } else bar.update(job.done, payload);
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream, options: WarmProgressOptions): WarmProgress {
  const interval = options.lineIntervalMs ?? 1000;
  const now = options.now ?? Date.now;
  let shown: string | undefined;
  let shownAt = Number.NEGATIVE_INFINITY;
  return {
    update(job) {
      if (shown === undefined) stream.write(`warming ${job.keySet} over ${job.total} images\n`);
      const line = `warming ${job.keySet}: ${job.done}/${job.total} images, ${job.failed.length} failed`;
      const finished = job.state !== 'running';
      if (line === shown || (!finished && now() - shownAt < interval)) return;
      stream.write(`${line}\n`);
      shown = line;
      shownAt = now();
    },
    stop() {},
  };
}
