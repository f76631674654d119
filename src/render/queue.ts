// A bounded render queue: at most `concurrency` renders run, at most `queueLimit` wait.

import { AppError } from '../errors.js';

export interface RenderQueueOptions {
  readonly concurrency: number;
  readonly queueLimit: number;
}

export interface RenderQueue {
  /** Runs `task` when a slot is free; throws `OVERLOADED` (503) at once if the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Renders running now. */
  readonly active: number;
  /** Renders waiting for a slot. */
  readonly waiting: number;
  /** Resolves once nothing runs or waits (for graceful shutdown). */
  idle(): Promise<void>;
}

export function createRenderQueue(options: RenderQueueOptions): RenderQueue {
  let active = 0;
  const waiters: (() => void)[] = [];
  let idleWaiters: (() => void)[] = [];

  function release(): void {
    const next = waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    active -= 1;
    if (active === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  }

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active >= options.concurrency) {
        if (waiters.length >= options.queueLimit) {
          throw new AppError('OVERLOADED', 'Too many renders are waiting; retry shortly');
        }
        // The slot is handed over by release(), so `active` stays counted.
        await new Promise<void>((resolve) => waiters.push(resolve));
      } else {
        active += 1;
      }
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
    idle() {
      if (active === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
