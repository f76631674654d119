// The cache byte budget's rule, pure: which renditions to evict, given every cache file's size
// and last use. The I/O (walking CACHE_ROOT, unlinking) lives in cache-walk.ts and evict-files.ts.

/** One file under CACHE_ROOT, as eviction sees it. */
export interface CacheEntry {
  /** Relative to CACHE_ROOT, `/`-separated. */
  readonly path: string;
  /** Apparent size (`st_size`), in bytes. */
  readonly size: number;
  /** When it was last read or written, in ms since the epoch (docs/caching.md#cache-budget). */
  readonly lastUse: number;
}

export interface BudgetLimits {
  /** The budget in bytes: eviction starts once the cache holds more. 0: unlimited. */
  readonly maxBytes: number;
  /** Eviction goes on until the cache holds at most this many bytes (at most `maxBytes`). */
  readonly lowWaterBytes: number;
}

export interface EvictionPlan {
  /** The files to evict, least recently used first. */
  readonly victims: readonly CacheEntry[];
  /** Bytes held before eviction. */
  readonly bytes: number;
  /** Bytes the victims hold. */
  readonly freed: number;
}

/**
 * Nothing while the entries fit in `maxBytes`; past it, the least recently used entries
 * (ties: by path, so a plan is reproducible) until what is left fits in `lowWaterBytes`.
 * Stopping at a low-water mark rather than at the budget itself means one eviction makes
 * room for many writes, instead of one eviction per write.
 */
export function planEviction(entries: readonly CacheEntry[], limits: BudgetLimits): EvictionPlan {
  checkLimits(limits);
  let bytes = 0;
  for (const entry of entries) bytes += entry.size;
  if (limits.maxBytes === 0 || bytes <= limits.maxBytes) return { victims: [], bytes, freed: 0 };
  const need = bytes - limits.lowWaterBytes;
  const victims: CacheEntry[] = [];
  let freed = 0;
  for (const entry of oldestCovering(entries, need, bytes)) {
    if (freed >= need) break;
    victims.push(entry);
    freed += entry.size;
  }
  return { victims, bytes, freed };
}

/**
 * The oldest entries, sorted, holding at least `need` bytes (all of them if they must).
 * Sorting a whole cache of a million entries stalls the event loop for a second; a native
 * sort of the bare times finds a cut-off first, so only the entries up to it are sorted.
 */
function oldestCovering(entries: readonly CacheEntry[], need: number, bytes: number): CacheEntry[] {
  const times = Float64Array.from(entries, (entry) => entry.lastUse).sort();
  // Guess how many entries hold `need` bytes from the average size, with a margin.
  let count = Math.ceil((entries.length * need * 1.25) / bytes) + 16;
  for (;;) {
    const cutoff = times[Math.min(count, times.length) - 1] ?? Number.POSITIVE_INFINITY;
    // Every entry left out is newer than every one taken: sorting these is exact.
    const candidates = entries.filter((entry) => entry.lastUse <= cutoff);
    let held = 0;
    for (const entry of candidates) held += entry.size;
    if (held >= need || count >= entries.length) return candidates.sort(byLastUse);
    count *= 2;
  }
}

function byLastUse(a: CacheEntry, b: CacheEntry): number {
  return a.lastUse - b.lastUse || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

function checkLimits(limits: BudgetLimits): void {
  const { maxBytes, lowWaterBytes } = limits;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(
      `Expected maxBytes to be a whole number of bytes but received ${maxBytes}`,
    );
  }
  if (!Number.isSafeInteger(lowWaterBytes) || lowWaterBytes < 0 || lowWaterBytes > maxBytes) {
    throw new RangeError(
      `Expected lowWaterBytes from 0 to maxBytes (${maxBytes}) but received ${lowWaterBytes}`,
    );
  }
}
