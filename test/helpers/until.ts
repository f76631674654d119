// Waiting for a condition that has no event to listen to (a file appearing, a gauge reaching
// a value): checked again and again, with no deadline of its own. A machine busy with other
// work only makes it take longer; the test's own timeout is the one bound.

import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition` answers true; checks it every `everyMs` ms. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  everyMs = 10,
): Promise<void> {
  while (!(await condition())) await sleep(everyMs);
}
