// Per-path mutual exclusion: a register, replace, PPOI change or delete of one path at a time.

export interface PathLocks {
  /** Runs `task` once every earlier task for `path` has settled. */
  with<T>(path: string, task: () => Promise<T>): Promise<T>;
}

export function createPathLocks(): PathLocks {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async with(path, task) {
      const previous = tails.get(path) ?? Promise.resolve();
      const current = previous.then(task, task);
      const tail = current.catch(() => undefined);
      tails.set(path, tail);
      try {
        return await current;
      } finally {
        if (tails.get(path) === tail) tails.delete(path);
      }
    },
  };
}
