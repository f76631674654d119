// Validators that change on replace: after a purge, a new rendition of the same URL must get a
// later mtime second than the old one, or nginx's ETag (`mtime-size`) and Last-Modified could
// repeat the old rendition's and a browser's conditional request would keep the old bytes.

export interface MtimeFloor {
  /** The renditions of `path` were purged at `nowMs`. */
  purged(path: string, nowMs: number): void;
  /**
   * The least mtime (ms, a whole second) a rendition of `path` written at `nowMs` must get,
   * or undefined when its natural mtime is already later than any purged file's.
   */
  floorFor(path: string, nowMs: number): number | undefined;
  /** Paths remembered now (only those purged within the last second or two). */
  readonly size: number;
}

const SECOND = 1000;

function secondOf(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

export function createMtimeFloor(): MtimeFloor {
  // path -> the mtime new renditions get; files may already carry it (a second purge within
  // the same second must go past it).
  const floors = new Map<string, number>();

  function prune(nowMs: number): void {
    for (const [path, floor] of floors) if (secondOf(nowMs) > floor) floors.delete(path);
  }

  return {
    purged(path, nowMs) {
      prune(nowMs);
      const previous = floors.get(path) ?? 0;
      floors.set(path, Math.max(secondOf(nowMs), previous) + SECOND);
    },
    floorFor(path, nowMs) {
      const floor = floors.get(path);
      if (floor === undefined) return undefined;
      if (secondOf(nowMs) > floor) {
        floors.delete(path);
        return undefined;
      }
      return floor;
    },
    get size() {
      return floors.size;
    },
  };
}
