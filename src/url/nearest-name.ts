// "Did you mean": the known name nearest to a misspelt one, by edit distance. Used by the
// rendition URL hints and the settings' typo warnings.

/**
 * The optimal-string-alignment distance of `a` and `b`: insertions, deletions,
 * substitutions and swaps of two neighbours each count 1 (`PROT` -> `PORT` is 1).
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i += 1) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j += 1) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * How far a misspelling may be from a name: 1, or 2 from a name of 10 characters or more
 * (`REDIS_URL` is 2 from `MEDIA_URL`, and is no typo).
 */
export function typoBudget(name: string): number {
  return name.length >= 10 ? 2 : 1;
}

/**
 * The name of `names` nearest to `input`, ignoring case, when it is within the typo budget
 * of that name; undefined when none is that close (or `input` is one of them exactly).
 */
export function nearestName(input: string, names: readonly string[]): string | undefined {
  if (names.includes(input)) return undefined;
  const wanted = input.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance <= typoBudget(name) && (best === undefined || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}
