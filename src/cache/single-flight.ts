// Single-flight: concurrent calls for one key share one execution.

export interface SingleFlight<T> {
  /** Runs `task` unless one is already running for `key`; `shared` tells which happened. */
  run(key: string, task: () => Promise<T>): Promise<{ value: T; shared: boolean }>;
  /** Keys running now. */
  readonly size: number;
}

export function createSingleFlight<T>(): SingleFlight<T> {
  const running = new Map<string, Promise<T>>();
  return {
    async run(key, task) {
      const current = running.get(key);
      if (current !== undefined) return { value: await current, shared: true };
      const promise = task().finally(() => running.delete(key));
      running.set(key, promise);
      return { value: await promise, shared: false };
    },
    get size() {
      return running.size;
    },
  };
}
