// A sorted array of strings with binary search: ordered pages without sorting per request.

/** Index of the first element >= `key` (code-unit order, like `<`). */
export function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((keys[mid] as string) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Inserts `key` if absent, keeping order. */
export function insertSorted(keys: string[], key: string): void {
  const at = lowerBound(keys, key);
  if (keys[at] !== key) keys.splice(at, 0, key);
}

/** Removes `key` if present. */
export function removeSorted(keys: string[], key: string): void {
  const at = lowerBound(keys, key);
  if (keys[at] === key) keys.splice(at, 1);
}

/** One keyset page of `keys` (sorted): after `cursor`, within `prefix`, at most `limit`. */
export function pageOf<T extends { readonly path: string }>(
  keys: readonly string[],
  recordOf: (key: string) => T,
  options: {
    readonly cursor?: string | undefined;
    readonly limit: number;
    readonly prefix?: string | undefined;
  },
): { items: T[]; next: string | null } {
  const prefix = options.prefix ?? '';
  let start = lowerBound(keys, prefix);
  if (options.cursor !== undefined && options.cursor >= prefix) {
    start = lowerBound(keys, options.cursor);
    if (keys[start] === options.cursor) start += 1;
  }
  const items: T[] = [];
  let at = start;
  for (; at < keys.length && items.length < options.limit; at += 1) {
    const key = keys[at] as string;
    if (!key.startsWith(prefix)) break;
    items.push(recordOf(key));
  }
  const more = at < keys.length && (keys[at] as string).startsWith(prefix);
  return {
    items,
    next: more && items.length > 0 ? (items[items.length - 1] as T).path : null,
  };
}
