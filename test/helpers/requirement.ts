// One rule for tests that need something outside npm (nginx, Chromium, PostgreSQL, Django,
// root, a Debian mirror): on a developer machine they skip and say why; under CI they run
// and fail, so CI can never pass by skipping.

/** True when the `CI` environment variable is set to anything but the empty string. */
export function underCi(): boolean {
  return (process.env.CI ?? '') !== '';
}

/**
 * For `describe.skipIf(skipWithout(why))`: `why` says what is missing here and how to get
 * it, or is undefined when everything is present. Missing on a developer machine: warns and
 * returns true (skip). Missing under CI: throws, which fails the test file.
 */
export function skipWithout(why: string | undefined): boolean {
  if (why === undefined) return false;
  if (underCi()) throw new Error(`required under CI: ${why}`);
  console.warn(`skipped: ${why}`);
  return true;
}
