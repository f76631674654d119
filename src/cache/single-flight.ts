// Single-flight: concurrent calls for one key share one execution.

export interface Claim<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

export interface SingleFlight<T> {
  /** Runs `task` unless one is already running for `key`; `shared` tells which happened. */
  run(key: string, task: () => Promise<T>): Promise<{ value: T; shared: boolean }>;
  /**
   * Takes `key` for work done elsewhere (a batch rendering many keys at once): callers of
   * `run` for it wait for the claim to settle. Undefined if the key is already running.
   */
  claim(key: string): Claim<T> | undefined;
  /** The execution running for `key`, if any. */
  running(key: string): Promise<T> | undefined;
  /**
   * Stops handing the executions of matching keys to new callers (their current waiters still
   * get them): after a purge, a caller must never join a render of the old original.
   */
  forget(matches: (key: string) => boolean): void;
  /** Keys running now. */
  readonly size: number;
}

export function createSingleFlight<T>(): SingleFlight<T> {
  const running = new Map<string, Promise<T>>();

  function claim(key: string): Claim<T> | undefined {
    if (running.has(key)) return undefined;
    let settle: Claim<T> | undefined;
    const promise = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Waiters handle rejections; the claim itself must not be an unhandled one.
    promise.catch(() => {});
    running.set(key, promise);
    const done = () => {
      if (running.get(key) === promise) running.delete(key);
    };
    return {
      resolve(value) {
        done();
        settle?.resolve(value);
      },
      reject(error) {
        done();
        settle?.reject(error);
      },
    };
  }

  return {
    async run(key, task) {
      const current = running.get(key);
      if (current !== undefined) return { value: await current, shared: true };
      const mine = claim(key) as Claim<T>;
      const promise = running.get(key) as Promise<T>;
      task().then(mine.resolve, mine.reject);
      return { value: await promise, shared: false };
    },
    claim,
    running(key) {
      return running.get(key);
    },
    forget(matches) {
      for (const key of [...running.keys()]) if (matches(key)) running.delete(key);
    },
    get size() {
      return running.size;
    },
  };
}
