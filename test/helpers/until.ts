// Polls a condition until it holds or a deadline passes: tests wait for conditions, never
// for fixed times.

import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition` is true; throws `message` (or a generic one) after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(
        options.message ?? `condition not met within ${options.timeoutMs ?? 10_000} ms`,
      );
    }
    await sleep(options.intervalMs ?? 10);
  }
}
